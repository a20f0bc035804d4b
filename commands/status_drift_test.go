package commands

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

// status reports each service's drift, text and JSON, as the board's
// column has it: each pair of neighbouring environments compared, the
// commits between them counted by the repository host.
func TestStatusDrift(t *testing.T) {
	aw := newActionWorld(t)
	code, out, stderr := aw.run("status", "--json", "services")
	if code != exitOK {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	var doc struct {
		Services []model.ServiceState `json:"services"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	states := map[string]bool{}
	for _, s := range doc.Services {
		if len(s.Environments) > 1 && len(s.Drift) != len(s.Environments)-1 {
			t.Errorf("%s: one drift per neighbouring pair: %+v", s.Name, s.Drift)
		}
		for i, d := range s.Drift {
			up, down := s.Environments[i], s.Environments[i+1]
			if d.Upstream != up.Environment || d.Downstream != down.Environment {
				t.Errorf("%s: drift %d is %s → %s, want %s → %s", s.Name, i, d.Upstream, d.Downstream, up.Environment, down.Environment)
			}
			same := up.Version.SHA != "" && model.SameCommit(up.Version.SHA, down.Version.SHA)
			if same != (d.State == "in_sync") {
				t.Errorf("%s %s/%s: %s on %s vs %s", s.Name, d.Upstream, d.Downstream, d.State, up.Version.Short(), down.Version.Short())
			}
			if d.State == "ahead" && d.Commits < 1 {
				t.Errorf("%s: ahead by a count the host gave: %+v", s.Name, d)
			}
			states[d.State] = true
		}
	}
	if !states["in_sync"] || !states["ahead"] {
		t.Errorf("the demo world has environments in sync and ahead: %v", states)
	}
	// Text: the DRIFT column on the upstream environment's line.
	_, out, _ = aw.run("status")
	if !strings.Contains(out, "DRIFT") {
		t.Fatalf("no DRIFT column:\n%s", out)
	}
	var ahead bool
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && f[0] == "web" && f[1] == "staging" && slices.Contains(f, "↑") && slices.Contains(f, "production") {
			ahead = true
		}
	}
	for _, s := range doc.Services {
		for _, d := range s.Drift {
			if s.Name == "web" && d.State == "ahead" && !ahead {
				t.Errorf("web staging is ahead of production in JSON but its line does not say so:\n%s", out)
			}
		}
	}
}
