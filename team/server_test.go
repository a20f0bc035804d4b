package team

import (
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers/audit"
)

func TestDarkBackground(t *testing.T) {
	for in, want := range map[string]bool{"": true, "15;0": true, "0;15": false, "12;8": true, "0;default;7": false, "junk": true} {
		if got := darkBackground(in); got != want {
			t.Errorf("darkBackground(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestFeedLine(t *testing.T) {
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    audit.Record
		want string
	}{
		{audit.Record{Time: at, User: "ana", Action: "rollback", Service: "api", Environment: "production", To: "7d3e2a11ff (api-production:8)", Result: audit.ResultOK},
			"ana rolled api/production back to 7d3e2a1"},
		{audit.Record{User: "li", Action: "approve", Service: "api", Environment: "production", Gate: "hold-production", Result: audit.ResultOK},
			"li approved api hold-production"},
		{audit.Record{User: "li", Action: "approve", Service: "api", Gate: "hold-production", Result: audit.ResultRefused}, ""},
		{audit.Record{User: "li", Action: "rollback", Service: "api", Environment: "production", Result: audit.ResultDryRun}, ""},
		{audit.Record{User: "bo", Action: "abort", Service: "api", Environment: "staging", Result: audit.ResultUnknown},
			"bo aborted the deploy in api/staging (its answer was lost; being read again)"},
	} {
		if got := feedLine(tc.r); got != tc.want {
			t.Errorf("feedLine(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
