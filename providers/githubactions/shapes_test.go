package githubactions

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
)

// Real answers with one odd place: an unknown enum value is read as
// blocked (not moving, no verdict), a null as the field's absence, and a
// value of the wrong type makes the service's error.
func TestOddShapes(t *testing.T) {
	at := oddanswers.At
	waiting := []oddanswers.Change{at(kindRuns, "workflow_runs.0.status", "waiting"), at(kindRuns, "workflow_runs.1.status", "waiting")}
	blocked := func(t *testing.T, st model.CIStatus) {
		if s := st.Pipelines[0].Status; s != model.RunBlocked {
			t.Errorf("status %s, want blocked", s)
		}
	}
	oddanswers.RunCases(t, func(tb testing.TB) map[string][]byte { return baseAnswers(tb, false) }, []oddanswers.Case[model.CIStatus]{
		{Name: "unknown run status", Changes: []oddanswers.Change{at(kindRuns, "workflow_runs.0.status", oddanswers.Unknown)}, Check: blocked},
		{Name: "unknown conclusion", Changes: []oddanswers.Change{at(kindRuns, "workflow_runs.0.status", "completed"), at(kindRuns, "workflow_runs.0.conclusion", oddanswers.Unknown)},
			Check: blocked},
		{Name: "nulls in a run", Changes: []oddanswers.Change{
			at(kindRuns, "workflow_runs.0.head_commit", nil), at(kindRuns, "workflow_runs.0.actor", nil),
			at(kindRuns, "workflow_runs.0.run_started_at", nil), at(kindRuns, "workflow_runs.0.created_at", nil),
			at(kindRuns, "workflow_runs.0.name", nil), at(kindRuns, "workflow_runs.0.conclusion", nil)},
			Check: func(t *testing.T, st model.CIStatus) {
				if p := st.Pipelines[0]; p.Subject == "" || p.TriggeredBy != "" || !p.CreatedAt.IsZero() {
					t.Errorf("pipeline %+v", p)
				}
			}},
		{Name: "null runs", Changes: []oddanswers.Change{at(kindRuns, "workflow_runs.0", nil)},
			Check: func(t *testing.T, st model.CIStatus) {
				if len(st.Pipelines) != 1 {
					t.Errorf("%d pipelines, want 1", len(st.Pipelines))
				}
			}},
		{Name: "a word for a run id", Changes: []oddanswers.Change{at(kindRuns, "workflow_runs.0.id", "seven")}, Err: "cannot unmarshal"},
		{Name: "a null answer", Changes: []oddanswers.Change{at(kindRuns, "", nil)}, Err: "the answer is empty"},
		{Name: "unknown job status", Changes: []oddanswers.Change{at(kindJobs, "jobs.0.status", oddanswers.Unknown)},
			Check: func(t *testing.T, st model.CIStatus) {
				for _, j := range st.Pipelines[0].Workflows[0].Jobs {
					if j.Status == model.RunBlocked {
						return
					}
				}
				t.Errorf("no blocked job: %+v", st.Pipelines[0].Workflows[0].Jobs)
			}},
		{Name: "null steps and times", Changes: []oddanswers.Change{at(kindJobs, "jobs.0.steps", nil), at(kindJobs, "jobs.0.started_at", nil), at(kindJobs, "jobs.0.name", nil)}},
		{Name: "a number for a job name", Changes: []oddanswers.Change{at(kindJobs, "jobs.0.name", 7)}, Err: "cannot unmarshal"},
		{Name: "a pending deployment without environment",
			Changes: append(waiting, at(kindPending, "0.environment", nil), at(kindPending, "0.reviewers", []any{nil})),
			Check: func(t *testing.T, st model.CIStatus) {
				for _, g := range st.Gates {
					if g.Gate == "" || strings.HasSuffix(g.ID, "/0") {
						t.Errorf("a gate from a null: %+v", g)
					}
				}
			}},
		{Name: "an unknown reviewer type",
			Changes: append(waiting, at(kindPending, "0.reviewers", []any{map[string]any{"type": oddanswers.Unknown}})),
			Check: func(t *testing.T, st model.CIStatus) {
				if len(st.Gates) == 0 {
					t.Error("the gate is gone")
				}
			}},
	}, func(t *testing.T, answers map[string][]byte) (model.CIStatus, string) {
		st := fetchQuietly(t, cannedSource(t, newCannedGH(answers), "", simServices[0]))
		return st, st.Error
	})
}
