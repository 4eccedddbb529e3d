#!/usr/bin/env bash
# Runs every check and test of the project, installing what the tests need
# when it is missing. CI runs this same script (.ci/run) with CI=true, where
# a missing tool fails the run instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing $2 for the tests" >&2
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2
  else
    { sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2
  fi
}
# Go itself comes with the machine: Debian's golang-go is older than go.mod asks.
command -v go >/dev/null 2>&1 || { echo "Go $(sed -n 's/^go //p' go.mod) or newer is needed (https://go.dev/dl)" >&2; exit 1; }

echo "== go mod tidy"
if ! go mod tidy -diff; then
  echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

need gcc gcc # the race detector needs cgo
need prometheus-alertmanager prometheus-alertmanager # the Alertmanager notifier's tests run a real one
need promtool prometheus # the rule generator's and the Prometheus source's tests run a real Prometheus and promtool
# The web UI's tests drive a real headless Chromium; SLO_CHROMIUM names
# another Chrome or Chromium instead.
[ -n "${SLO_CHROMIUM:-}" ] || need chromium chromium

echo "== go test"
go test -count=1 ./...

# The packages that run goroutines: the server's and the browser harness's.
# In cmd/slo, the server's tests only: the demo's 30-day backfill is slow
# under the race detector and runs through the same code as the push test.
race_pkgs=(./internal/engine ./internal/alert/... ./internal/api ./internal/source/push ./internal/source/accesslog ./internal/source/prometheus/... ./internal/store/... ./internal/demo ./client ./internal/browsertest)
echo "== go test -race"
go test -race -count=1 "${race_pkgs[@]}"
go test -race -count=1 -run 'Serve|Ingest|Reload|Hour|Push|SIGKILL|SIGHUP|Paging' ./cmd/slo

echo "== fuzz the spec decoder (${FUZZTIME:=20s})"
# Minimizing a new input of a multi-kilobyte example seed can take a minute
# and counts no executions; a short cap keeps the run on new inputs.
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime "$FUZZTIME" -fuzzminimizetime 2s ./internal/spec
