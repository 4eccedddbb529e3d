// Package prometheus is the source that reads SLIs from a Prometheus
// compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics) and
// hands their counts to the engine.
//
// For each objective measured in Prometheus, promsli gives two queries that
// count its valid and bad events over the five minutes (promsli.Step) up to
// an evaluation time: the same queries the rules of slo rules record. The
// source evaluates them promsli.Phase (30s) into every minute, with range
// queries of step one minute, and turns the counts at m+30s into the
// observation of the minute [m, m+1m): valid(m+30s)/Overlap events, of
// which (valid(m+30s)-bad(m+30s))/Overlap good. Each event lies in Overlap
// (5) such counts, so summed over any span every event counts once, as it
// does in the rules' windows. No valid sample at m+30s is no data for minute m;
// no bad sample is no bad event.
//
// Counts are taken between the minute marks, not at them, because a series
// scraped on the minute then gives the same samples to a count taken at any
// second of the minute, the rules' evaluations included, and to Prometheus
// 2 and 3 alike (2 takes a sample at the range's very start, 3 does not).
// Only the queries' times are shifted: cursors, batch IDs and chunks are in
// minute ends, and a minute is read once its count, at m+30s, is Delay old.
//
// Each objective has a cursor, the newest minute read. It moves only once
// the minutes' counts are appended, so a backend that is down, or a sink
// that fails, never makes the source skip a minute: when they are back the
// gap is read, in chunks, as a start reads what it missed (at most
// MaxBackfill). A restart resumes after the newest minute the store holds
// (StoreLast), and batch IDs name the minutes they carry, so a retried
// append is a duplicate, not a second count.
//
// A backend that fails is visible: Health says which objectives are down,
// since when and why, and OnHealth is told of every change.
package prometheus
