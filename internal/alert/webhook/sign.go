package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook request. The signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), where the
// timestamp is the X-Slo-Timestamp header, Unix seconds.
const (
	HeaderTimestamp      = "X-Slo-Timestamp"
	HeaderSignature      = "X-Slo-Signature"
	HeaderIdempotencyKey = "Idempotency-Key"
	UserAgent            = "slo-webhook"
	signaturePrefix      = "sha256="
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// The errors Verify wraps, for receivers that answer each differently.
var (
	ErrMissingHeader = errors.New("missing header")
	ErrStale         = errors.New("stale timestamp")
	ErrBadSignature  = errors.New("bad signature")
)

// signature is the value of X-Slo-Signature for body sent at timestamp.
func signature(secret, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

// mac is HMAC-SHA256(secret, timestamp + "." + body).
func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a webhook request as its receiver got it: that header
// holds a timestamp within tolerance of now (DefaultTolerance when
// tolerance is not positive), so that a request recorded and replayed later
// is refused, and a signature of that timestamp and body made with secret.
// body must be the raw bytes of the request body, before any decoding. The
// comparison takes constant time. The error wraps ErrMissingHeader,
// ErrStale or ErrBadSignature.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return errors.New("webhook verify: no secret to verify with")
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts := header.Get(HeaderTimestamp)
	if ts == "" {
		return fmt.Errorf("webhook verify: %w %s", ErrMissingHeader, HeaderTimestamp)
	}
	sig := header.Get(HeaderSignature)
	if sig == "" {
		return fmt.Errorf("webhook verify: %w %s", ErrMissingHeader, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook verify: %s %q is not Unix seconds: %w", HeaderTimestamp, ts, ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook verify: %w: %s is %s from now, more than %s", ErrStale, HeaderTimestamp, d.Abs().Round(time.Second), tolerance)
	}
	if !strings.HasPrefix(sig, signaturePrefix) {
		return fmt.Errorf("webhook verify: %s does not start with %q: %w", HeaderSignature, signaturePrefix, ErrBadSignature)
	}
	got, err := hex.DecodeString(sig[len(signaturePrefix):])
	if err != nil {
		return fmt.Errorf("webhook verify: %s is not hex: %w", HeaderSignature, ErrBadSignature)
	}
	if !hmac.Equal(got, mac(secret, ts, body)) {
		return fmt.Errorf("webhook verify: %w: the body or the secret differs from the sender's", ErrBadSignature)
	}
	return nil
}
