package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"
)

const crashSpec = `apiVersion: slo/v1
service: crash
slos:
  - name: ok
    objective: 99
    window: 30d
    sli:
      events:
        stream: s
`

// batch is one push of the crash test, and what became of it.
type batch struct {
	id          string
	body        []byte
	good, valid float64
	bad         bool // holds an invalid item: must be refused whole
	acked       bool
}

func makeBatch(i int, rng *rand.Rand, base time.Time) *batch {
	b := &batch{id: fmt.Sprintf("crash-%d", i), bad: i%7 == 3}
	var buf bytes.Buffer
	for j := 0; j < 50; j++ {
		v := float64(1 + rng.IntN(20))
		g := float64(rng.IntN(int(v) + 1))
		ts := base.Add(time.Duration(rng.IntN(7200)) * time.Second)
		if b.bad && j == 25 {
			g = v + 1 // good above valid
		}
		fmt.Fprintf(&buf, `{"slo":"crash/ok","time":%d,"good":%g,"valid":%g}`+"\n", ts.Unix(), g, v)
		b.good, b.valid = b.good+g, b.valid+v
	}
	b.body = buf.Bytes()
	return b
}

// TestEveryAcknowledgedBatchSurvivesSIGKILL kills a child `slo serve` again
// and again while clients push. After each restart, every batch the server
// acknowledged is counted exactly once and no refused one is; batches whose
// answer was lost in the kill are resent with their id and count once.
func TestEveryAcknowledgedBatchSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child server")
	}
	spec := writeFile(t, "crash.yaml", crashSpec)
	dir := t.TempDir()
	args := []string{"-c", spec, "--data-dir", dir, "--ingest-token", "tok", "--tick", "50ms", "--checkpoint-every", "300ms"}
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Now().Add(-3 * time.Hour)
	var all []*batch
	next := 0
	const kills = 6
	for round := 0; ; round++ {
		s := startChild(t, args...)
		// First resend what the last kill left unanswered.
		for _, b := range all {
			if !b.acked && !b.bad {
				code, err := s.try("POST", "/api/v1/events", "tok", bytes.NewReader(b.body), ndjsonHeader(b.id), nil)
				if err != nil || code != http.StatusOK {
					t.Fatalf("round %d: resending %s: %d %v\n%s", round, b.id, code, err, s.log)
				}
				b.acked = true
			}
		}
		var good, valid float64
		for _, b := range all {
			if b.acked && !b.bad {
				good, valid = good+b.good, valid+b.valid
			}
		}
		if ev := s.evaluation(t, "crash/ok"); ev.Good != good || ev.Valid != valid {
			t.Fatalf("round %d: good/valid = %g/%g, want %g/%g (the sums of acknowledged batches)", round, ev.Good, ev.Valid, good, valid)
		}
		if round == kills {
			break
		}
		// Push from two clients, and kill the server under them.
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < 2; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					b := makeBatch(next, rng, base)
					next++
					all = append(all, b)
					mu.Unlock()
					code, err := s.try("POST", "/api/v1/events", "tok", bytes.NewReader(b.body), ndjsonHeader(b.id), nil)
					mu.Lock()
					switch {
					case err != nil: // killed mid-request: unknown, resent next round
					case b.bad && code != http.StatusBadRequest:
						t.Errorf("batch %s with a bad item: %d, want 400", b.id, code)
					case !b.bad && code != http.StatusOK:
						t.Errorf("batch %s: %d, want 200", b.id, code)
					default:
						b.acked = !b.bad
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		mu.Lock() // the clients draw from rng too
		pause := time.Duration(200+rng.IntN(600)) * time.Millisecond
		mu.Unlock()
		time.Sleep(pause)
		s.kill()
		close(stop)
		wg.Wait()
	}
	acked := 0
	for _, b := range all {
		if b.acked {
			acked++
		}
	}
	if acked < 50 {
		t.Fatalf("only %d batches acknowledged over %d kills: the test proved little", acked, kills)
	}
	t.Logf("%d batches pushed, %d acknowledged, over %d kills", len(all), acked, kills)
}

func ndjsonHeader(id string) map[string]string {
	return map[string]string{"Content-Type": "application/x-ndjson", "Idempotency-Key": id}
}
