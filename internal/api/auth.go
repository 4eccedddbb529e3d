package api

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// Scope is what a token allows.
type Scope int

// The scopes. Admin allows everything, ingest and read too.
const (
	Read Scope = iota
	Ingest
	Admin
)

var scopeNames = [...]string{"read", "ingest", "admin"}

// String returns the scope's name.
func (s Scope) String() string { return scopeNames[s] }

// Tokens are the bearer tokens the server accepts, per scope. Reading needs
// a token only when Read has some: an SLO platform's figures are often meant
// to be seen (the status page always is). Ingest and admin always need one.
type Tokens struct {
	Read, Ingest, Admin []string
}

// allows reports whether token grants scope.
func (t Tokens) allows(token string, scope Scope) bool {
	if token == "" {
		return false
	}
	lists := map[Scope][][]string{
		Read:   {t.Read, t.Ingest, t.Admin},
		Ingest: {t.Ingest, t.Admin},
		Admin:  {t.Admin},
	}[scope]
	for _, l := range lists {
		for _, want := range l {
			if subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1 {
				return true
			}
		}
	}
	return false
}

// known reports whether token is any of the tokens.
func (t Tokens) known(token string) bool { return t.allows(token, Read) }

// require wraps h so that it runs only for a request whose bearer token
// grants scope: 401 without a valid token, 403 with a token of too small a
// scope.
func (s *Server) require(scope Scope, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if scope == Read && len(s.Tokens.Read) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		token, ok := bearer(r)
		switch {
		case !ok || !s.Tokens.known(token):
			w.Header().Set("WWW-Authenticate", `Bearer realm="slo"`)
			writeError(w, http.StatusUnauthorized, "a bearer token with the %s scope is needed (Authorization: Bearer TOKEN)", scope)
		case !s.Tokens.allows(token, scope):
			writeError(w, http.StatusForbidden, "this token does not have the %s scope", scope)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}
