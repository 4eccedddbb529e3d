package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/alert"
)

// Version is the version of the message format, sent as its "version".
const Version = "1"

// Message is the JSON body of a webhook request. Receivers written in Go
// may decode into it.
type Message struct {
	Version string `json:"version"`
	// SentAt is when slo made the message: the evaluation that saw the
	// alerts change. Retries send the same body, so it does not move; the
	// X-Slo-Timestamp header tells when an attempt was sent.
	SentAt time.Time `json:"sent_at"`
	// Status is "firing" when any of the alerts fires, else "resolved".
	Status string  `json:"status"`
	Alerts []Alert `json:"alerts"`
}

// Alert is one alert that began firing or resolved.
type Alert struct {
	// Status is "firing" or "resolved".
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	// EndsAt is absent while the alert fires.
	EndsAt       time.Time `json:"endsAt,omitzero"`
	GeneratorURL string    `json:"generatorURL,omitempty"`
	// Fingerprint identifies the alert by its labels: the resolution of an
	// alert carries the fingerprint of its firing.
	Fingerprint string `json:"fingerprint"`
}

const (
	statusFiring   = "firing"
	statusResolved = "resolved"
)

// Fingerprint is a stable hash of a label set, 16 hex digits: the same for
// the same labels whatever the order of the map, different (but for
// collisions of 64-bit hashes) for any other labels.
func Fingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	var buf []byte
	for _, k := range keys {
		// Each string goes with its length, so that no two label sets
		// hash the same bytes however their names and values are cut.
		buf = binary.AppendUvarint(buf[:0], uint64(len(k)))
		buf = append(buf, k...)
		buf = binary.AppendUvarint(buf, uint64(len(labels[k])))
		buf = append(buf, labels[k]...)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// message is a queued request: its body, made once so that every attempt
// sends (and signs) the same bytes.
type message struct {
	body    []byte
	key     string // Idempotency-Key: the hash of the body
	status  string
	alerts  int
	created time.Time
}

func newMessage(now time.Time, changed []alert.Notification) (*message, error) {
	m := Message{Version: Version, SentAt: now.UTC(), Status: statusResolved, Alerts: make([]Alert, 0, len(changed))}
	for _, n := range changed {
		a := Alert{
			Status:       statusResolved,
			Labels:       n.Labels,
			Annotations:  n.Annotations,
			StartsAt:     n.StartsAt.UTC(),
			EndsAt:       n.EndsAt.UTC(),
			GeneratorURL: n.GeneratorURL,
			Fingerprint:  Fingerprint(n.Labels),
		}
		if n.Firing() {
			a.Status, a.EndsAt, m.Status = statusFiring, time.Time{}, statusFiring
		}
		// Objects, never null, for receivers that index them blindly.
		if a.Labels == nil {
			a.Labels = map[string]string{}
		}
		if a.Annotations == nil {
			a.Annotations = map[string]string{}
		}
		m.Alerts = append(m.Alerts, a)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep the & of URLs readable
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	body := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	sum := sha256.Sum256(body)
	return &message{body: body, key: hex.EncodeToString(sum[:]), status: m.Status, alerts: len(m.Alerts), created: now}, nil
}
