package engine

import "sort"

// pair is a count of good and valid events.
type pair struct{ good, valid float64 }

func (p *pair) add(q pair) { p.good += q.good; p.valid += q.valid }
func (p *pair) sub(q pair) { p.good -= q.good; p.valid -= q.valid }

// ring holds the newest buckets of one series at one resolution, with a
// running sum per window, so that a window's sum costs O(1) whatever its
// length. Buckets are addressed by absolute index: unix seconds / res.
//
// A window of k buckets at time now, in bucket head with a fraction phase of
// it elapsed, covers [now-k*res, now): buckets head-k+1..head whole (the
// running sum, full) and the fraction 1-phase of bucket head-k, assuming
// events spread evenly within a bucket. So the ring keeps kmax+1 buckets.
type ring struct {
	res  int64
	buf  []pair
	head int64
	// ks are the windows' lengths in buckets and full their running sums;
	// old[w] is a copy of bucket head-ks[w], the one partly inside window w.
	// Keeping it beside the sums means a tick reads a few contiguous words
	// per ring instead of one scattered bucket per window, which at 100k
	// series is the difference between cache hits and misses.
	ks   []int64
	full []pair
	old  []pair
	// order lists the windows by length, for resum.
	order []int
}

func newRing(res int64, ks []int64, order []int, head int64) *ring {
	kmax := int64(1)
	for _, k := range ks {
		kmax = max(kmax, k)
	}
	sums := make([]pair, 2*len(ks))
	return &ring{res: res, buf: make([]pair, kmax+1), head: head, ks: ks, full: sums[:len(ks)], old: sums[len(ks):], order: order}
}

// byLength returns the indexes of ks ordered by length, shortest first.
func byLength(ks []int64) []int {
	order := make([]int, len(ks))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ks[order[a]] < ks[order[b]] })
	return order
}

func (r *ring) slot(i int64) *pair { return &r.buf[r.index(i)] }

// holds reports whether bucket i is in the ring.
func (r *ring) holds(i int64) bool { return i <= r.head && i > r.head-int64(len(r.buf)) }

// add adds p to bucket i and to the running sum of every window that holds
// it whole. It reports false, changing nothing, when i is not in the ring:
// older than the longest window or newer than head.
func (r *ring) add(i int64, p pair) bool {
	if !r.holds(i) {
		return false
	}
	r.slot(i).add(p)
	for w, k := range r.ks {
		switch age := r.head - i; {
		case age < k:
			r.full[w].add(p)
		case age == k:
			r.old[w].add(p)
		}
	}
	return true
}

// advance moves head to bucket to, each step dropping the bucket that falls
// out of every window. It recomputes the running sums exactly once per turn
// of the ring, so that float rounding of non-integer counts cannot drift.
func (r *ring) advance(to int64) {
	n := int64(len(r.buf))
	if to <= r.head {
		return
	}
	if to-r.head >= n {
		clear(r.buf)
		clear(r.full)
		clear(r.old)
		r.head = to
		return
	}
	for r.head < to {
		r.head++
		*r.slot(r.head) = pair{} // was head-n: in no window any more
		for w, k := range r.ks {
			r.old[w] = *r.slot(r.head - k)
			r.full[w].sub(r.old[w])
		}
		if r.head%n == 0 {
			r.resum()
		}
	}
}

// resum recomputes every window's running sum from the buckets, in one
// walk back from head: each window's sum is the walk's total once it has
// gone as far back as the window.
func (r *ring) resum() {
	var acc pair
	d := int64(0) // buckets summed so far: head-d+1..head
	j := r.index(r.head)
	for _, w := range r.order {
		for ; d < r.ks[w]; d++ {
			acc.add(r.buf[j])
			if j--; j < 0 { // walking back without a division per bucket
				j = len(r.buf) - 1
			}
		}
		r.full[w] = acc
		r.old[w] = r.buf[j]
	}
}

// index is where bucket i lives in buf.
func (r *ring) index(i int64) int {
	n := int64(len(r.buf))
	return int(((i % n) + n) % n)
}

// restore fills a ring that holds nothing yet with n buckets from bucket
// from on, drawn from next in order, dropping those it does not hold, and
// sums its windows. Drawing them one by one lets a checkpoint be decoded
// straight into the ring.
func (r *ring) restore(from, n int64, next func() pair) {
	lo, hi := r.head-int64(len(r.buf))+1, r.head
	j := r.index(max(from, lo))
	for i := from; i < from+n; i++ {
		p := next()
		if i < lo || i > hi {
			continue
		}
		r.buf[j] = p
		if j++; j == len(r.buf) {
			j = 0
		}
	}
	r.resum()
}

// sum is window w's count at phase, the elapsed fraction (0..1) of bucket
// head: the running sum plus the part of the oldest bucket still inside.
func (r *ring) sum(w int, phase float64) pair {
	s, old := r.full[w], r.old[w]
	f := 1 - phase
	s.good += f * old.good
	s.valid += f * old.valid
	return s
}

// floorDiv is a/b rounded down, for bucket indices of times before 1970 too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
