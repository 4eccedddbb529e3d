package store

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by the error Append returns for a batch it refuses
// to write: the push API answers it with 400, not 500, and a retry will not
// help.
var ErrInvalid = errors.New("invalid batch")

// Validate reports the first observation of the batch no store accepts: one
// without an objective, without a time, or with a count that is negative,
// NaN, infinite or over MaxCount. A count like that is a source's bug; stored, it would
// poison every window sum that includes it for the whole retention, so the
// batch is refused whole instead.
//
// Good above Valid is accepted: Prometheus increases are extrapolated per
// series, so a good count can exceed its valid count by a little, and the
// engine clamps ratios.
func (b Batch) Validate() error {
	for i, o := range b.Observations {
		var why string
		switch {
		case o.Series.Objective == "":
			why = "no objective"
		case o.Time.IsZero():
			why = "no time"
		case !validCount(o.Good):
			why = fmt.Sprintf("good count %v", o.Good)
		case !validCount(o.Valid):
			why = fmt.Sprintf("valid count %v", o.Valid)
		default:
			continue
		}
		return fmt.Errorf("%w: observation %d (%s): %s", ErrInvalid, i, o.Series, why)
	}
	return nil
}

// MaxCount is the largest count an observation may carry: 2^53, the last
// integer a float64 holds exactly. Sums of counts near the float limit
// would reach +Inf and turn every ratio into NaN.
const MaxCount = 1 << 53

// validCount reports whether c is a count: not negative, at most MaxCount.
func validCount(c float64) bool {
	return c >= 0 && c <= MaxCount // NaN fails both
}
