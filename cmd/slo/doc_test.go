package main

import (
	"strings"
	"testing"
)

func TestDocOfThePlatform(t *testing.T) {
	r := mustRun(t, exitOK, "doc", platform)
	md := r.stdout
	lines := strings.Split(md, "\n")
	count := func(prefix string) int {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}
	has := func(l string) bool {
		for _, x := range lines {
			if x == l {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name string
		ok   func() bool
	}{
		{"the title names the service", func() bool { return strings.HasPrefix(md, "# SLOs of notification-platform\n") }},
		{"there is one SLO section per SLO", func() bool {
			return count("## SLO: ") == 4 && has("## SLO: availability") && has("## SLO: latency") &&
				has("## SLO: delivery") && has("## SLO: correctness")
		}},
		{"the availability budget is 43.2 minutes", func() bool {
			return has("- **Error budget:** 0.1% x 30d = 43.2 minutes of total downtime")
		}},
		{"the measurement reads as the seed's SLI", func() bool {
			return strings.Contains(md, "valid: path starting `/api/`, except path starting `/api/health`, except caller=\"internal\"; good: status 2xx or 4xx")
		}},
		{"the page tier row shows its detection times", func() bool {
			return has("| page | critical | 14.4x | 1h and 5m | 1.44% | 51.84s (2%) | 8.64m (2%) | never |")
		}},
		{"the ceiling is 99.83% and the SLO above it", func() bool {
			return strings.Contains(md, "**Dependency ceiling:** 99.83% (") && strings.Contains(md, "the SLO is above it.")
		}},
		{"the dependency table lists the chain", func() bool {
			return count("## Dependencies") == 1 &&
				has("| database | hard | 99.99% | slo | - | availability |") &&
				has("| database/storage | hard | 99.99% | sla | - | via database |") &&
				has("| payment-provider/bank-api | hard | 99.9% | sla | - | via payment-provider |") &&
				has("| email-provider | soft | 99.5% | sla | - | delivery |")
		}},
		{"the SLA section gives headroom and credits", func() bool {
			return count("## SLA") == 1 && strings.Contains(md, "0.4 points (172.8 minutes) of headroom") &&
				strings.Contains(md, "credits: below 99.5% 10%, below 99% 25%")
		}},
		{"the SLA comes after the last SLO", func() bool {
			return strings.Index(md, "## SLA") > strings.Index(md, "## SLO: correctness")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok() {
				t.Errorf("not so in:\n%s", md)
			}
		})
	}
}

func TestDocSeparatesServices(t *testing.T) {
	r := mustRun(t, exitOK, "doc", platform, "../../examples/checkout.yaml")
	if n := strings.Count(r.stdout, "\n---\n"); n != 1 {
		t.Errorf("%d separators between two documents, want 1", n)
	}
	if !strings.Contains(r.stdout, "# SLOs of notification-platform\n") || !strings.Contains(r.stdout, "# SLOs of checkout\n") {
		t.Errorf("a title is missing")
	}
}
