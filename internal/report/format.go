package report

import (
	"strconv"
	"strings"
)

// trim writes x with up to two decimals and no trailing zeros: for
// durations and counts, where more digits are noise.
func trim(x float64) string {
	s := strconv.FormatFloat(round(x), 'f', 2, 64)
	v, _ := strconv.ParseFloat(s, 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// num writes a figure exactly as computed, less float noise: 99.999 stays
// 99.999 and 43.199999999999996 is 43.2.
func num(x float64) string { return strconv.FormatFloat(round(x), 'f', -1, 64) }

// percent writes an availability percent with two decimals, or more when
// two would round it up to 100: 99.83, 99.9999.
func percent(x float64) string { return percentDigits(x, 2) }

// percentDigits writes a percent with at least p decimals, more when p
// would round it up to 100, and no trailing zeros.
func percentDigits(x float64, p int) string {
	for ; p < 9; p++ {
		s := strconv.FormatFloat(x, 'f', p, 64)
		if v, _ := strconv.ParseFloat(s, 64); v < 100 || x >= 100 {
			return strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}
