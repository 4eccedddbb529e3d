package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// remote is how a command reaches a running slo serve: its URL, a token
// and a timeout, from flags or the environment.
type remote struct {
	server    string
	token     string
	tokenFile string
	timeout   time.Duration
}

// register adds --server, --token, --token-file and --timeout to fs.
func (r *remote) register(fs *flag.FlagSet) {
	fs.StringVar(&r.server, "server", "", "the server's base URL (default $SLO_SERVER, else http://127.0.0.1:8080)")
	fs.StringVar(&r.token, "token", "", "bearer token (default $SLO_TOKEN)")
	fs.StringVar(&r.tokenFile, "token-file", "", "a file holding the bearer token")
	fs.DurationVar(&r.timeout, "timeout", 30*time.Second, "how long to wait for the server")
}

// errUnreachable marks a request that got no answer from the server, as
// opposed to an answer that refused it.
var errUnreachable = errors.New("server unreachable")

// statusError is a non-2xx answer, with the server's error message.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return fmt.Sprintf("server answered %d: %s", e.code, e.msg) }

// resolve fills in what the flags left out, from the environment: the
// server from $SLO_SERVER, else http://127.0.0.1:8080, and the token from
// $SLO_TOKEN. It reads the token file into the token, once. A usage error
// names the flag at fault.
func (r *remote) resolve() error {
	if r.server == "" {
		r.server = os.Getenv("SLO_SERVER")
	}
	if r.server == "" {
		r.server = "http://127.0.0.1:8080"
	}
	if u, err := url.Parse(r.server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError("--server %q: want a URL such as http://slo.internal:8080", r.server)
	}
	switch {
	case r.token != "" && r.tokenFile != "":
		return usageError("give --token or --token-file, not both")
	case r.tokenFile != "":
		b, err := os.ReadFile(r.tokenFile)
		if err != nil {
			return usageError("--token-file: %v", err)
		}
		if r.token = strings.TrimSpace(string(b)); r.token == "" {
			return usageError("--token-file %s is empty", r.tokenFile)
		}
		r.tokenFile = ""
	case r.token == "":
		r.token = os.Getenv("SLO_TOKEN")
	}
	return nil
}

// do sends a request and returns the body of a 2xx answer. A network
// failure wraps errUnreachable; another status is a *statusError.
func (r *remote) do(ctx context.Context, method, path string, query url.Values, body io.Reader) ([]byte, error) {
	if err := r.resolve(); err != nil {
		return nil, err
	}
	u := strings.TrimRight(r.server, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, usageError("--server %q: %v", r.server, err)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnreachable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the answer: %v", errUnreachable, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, &statusError{code: resp.StatusCode, msg: errorMessage(data)}
	}
	return data, nil
}

// errorMessage is the "error" of a JSON error body, else the body itself.
func errorMessage(body []byte) string {
	var e struct{ Error string }
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}
