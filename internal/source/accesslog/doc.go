// Package accesslog is the source that reads accesslog SLIs: it tails each
// one's web server log (the combined format, or one JSON object per line),
// classifies every request with the SLI's filters, and hands the counts,
// per minute and per customer, to the engine.
//
// Classification is the push API's: the source hands its lines to a
// push.Router as events of a stream named after the objective, so that a
// request counts the same whether it is pushed or logged.
//
// Each objective keeps a position in a small state file: the file it reads
// (device, inode and a hash of its first line) and the offset after the
// last line counted. A batch is the whole lines from the position on, at
// most Options.BatchBytes. Its ID, which names the file and the byte range,
// is written to the state file before the batch is appended, and the
// position moves past it once the append returns. A restart in between
// appends the same bytes under the same ID again, which the store takes at
// most once, so no line is counted twice and none is lost.
//
// Rotation by rename is followed: the old file is read until it stops
// growing, then the new one from its start. A file truncated in place
// (copytruncate) is read again from its start. A file rotated while slo
// was stopped is found again in its directory by its identity. A last line
// without its newline waits for it. A malformed line is logged with its
// file:line, counted, and skipped.
package accesslog
