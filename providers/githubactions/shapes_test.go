package githubactions

import (
	"encoding/json"
	"strings"
	"testing"

	"flightdeck/model"
	"flightdeck/providers/internal/oddanswers"
)

// Real answers with one odd place: an unknown enum value is read as
// blocked (not moving, no verdict), a null as the field's absence, and a
// value of the wrong type makes the service's error.
func TestOddShapes(t *testing.T) {
	type edit struct {
		kind, path string
		v          any
	}
	for _, tc := range []struct {
		name    string
		waiting bool
		edits   []edit
		err     string // "" for none
		check   func(t *testing.T, st model.CIStatus)
	}{
		{name: "unknown run status", edits: []edit{{kindRuns, "workflow_runs.0.status", oddanswers.Unknown}},
			check: func(t *testing.T, st model.CIStatus) { wantStatus(t, st.Pipelines[0].Status, model.RunBlocked) }},
		{name: "unknown conclusion", edits: []edit{{kindRuns, "workflow_runs.0.status", "completed"}, {kindRuns, "workflow_runs.0.conclusion", oddanswers.Unknown}},
			check: func(t *testing.T, st model.CIStatus) { wantStatus(t, st.Pipelines[0].Status, model.RunBlocked) }},
		{name: "nulls in a run", edits: []edit{
			{kindRuns, "workflow_runs.0.head_commit", nil}, {kindRuns, "workflow_runs.0.actor", nil},
			{kindRuns, "workflow_runs.0.run_started_at", nil}, {kindRuns, "workflow_runs.0.created_at", nil},
			{kindRuns, "workflow_runs.0.name", nil}, {kindRuns, "workflow_runs.0.conclusion", nil}},
			check: func(t *testing.T, st model.CIStatus) {
				if p := st.Pipelines[0]; p.Subject == "" || p.TriggeredBy != "" || !p.CreatedAt.IsZero() {
					t.Errorf("pipeline %+v", p)
				}
			}},
		{name: "null runs", edits: []edit{{kindRuns, "workflow_runs.0", nil}},
			check: func(t *testing.T, st model.CIStatus) { wantPipelines(t, st, 1) }},
		{name: "a word for a run id", edits: []edit{{kindRuns, "workflow_runs.0.id", "seven"}}, err: "cannot unmarshal"},
		{name: "a null answer", edits: []edit{{kindRuns, "", nil}}, err: "the answer is empty"},
		{name: "unknown job status", edits: []edit{{kindJobs, "jobs.0.status", oddanswers.Unknown}},
			check: func(t *testing.T, st model.CIStatus) {
				if !hasJobWith(st, model.RunBlocked) {
					t.Errorf("no blocked job: %+v", st.Pipelines[0].Workflows[0].Jobs)
				}
			}},
		{name: "null steps and times", edits: []edit{{kindJobs, "jobs.0.steps", nil}, {kindJobs, "jobs.0.started_at", nil}, {kindJobs, "jobs.0.name", nil}},
			check: func(t *testing.T, st model.CIStatus) { wantPipelines(t, st, 2) }},
		{name: "a number for a job name", edits: []edit{{kindJobs, "jobs.0.name", 7}}, err: "cannot unmarshal"},
		{name: "a pending deployment without environment", waiting: true,
			edits: []edit{{kindPending, "0.environment", nil}, {kindPending, "0.reviewers", []any{nil}}},
			check: func(t *testing.T, st model.CIStatus) {
				for _, g := range st.Gates {
					if g.Gate == "" || strings.HasSuffix(g.ID, "/0") {
						t.Errorf("a gate from a null: %+v", g)
					}
				}
			}},
		{name: "an unknown reviewer type", waiting: true, edits: []edit{{kindPending, "0.reviewers", []any{map[string]any{"type": oddanswers.Unknown}}}},
			check: func(t *testing.T, st model.CIStatus) {
				if len(st.Gates) == 0 {
					t.Error("the gate is gone")
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers := baseAnswers(t, tc.waiting)
			for _, e := range tc.edits {
				b, err := json.Marshal(e.v) // the whole answer
				if e.path != "" {
					b, err = oddanswers.Edit(answers[e.kind], e.path, e.v)
				}
				if err != nil {
					t.Fatal(err)
				}
				answers[e.kind] = b
			}
			st := fetchQuietly(t, cannedSource(t, newCannedGH(answers), "", simServices[0]))
			switch {
			case tc.err != "" && !strings.Contains(st.Error, tc.err):
				t.Fatalf("error %q, want one saying %q", st.Error, tc.err)
			case tc.err == "" && st.Error != "":
				t.Fatalf("error %q", st.Error)
			case tc.check != nil:
				tc.check(t, st)
			}
		})
	}
}

func wantStatus(t *testing.T, got, want model.RunStatus) {
	t.Helper()
	if got != want {
		t.Errorf("status %s, want %s", got, want)
	}
}

func wantPipelines(t *testing.T, st model.CIStatus, n int) {
	t.Helper()
	if len(st.Pipelines) != n {
		t.Errorf("%d pipelines, want %d", len(st.Pipelines), n)
	}
}

func hasJobWith(st model.CIStatus, s model.RunStatus) bool {
	for _, j := range st.Pipelines[0].Workflows[0].Jobs {
		if j.Status == s {
			return true
		}
	}
	return false
}
