package circleci

import (
	"testing"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
)

// Real answers with one odd place: an unknown enum value is read as
// blocked, a null as the field's absence (a null item is skipped), and a
// value of the wrong type makes the service's error.
func TestOddShapes(t *testing.T) {
	at := oddanswers.At
	oddanswers.RunCases(t, func(testing.TB) map[string][]byte { return baseAnswers() }, []oddanswers.Case[model.CIStatus]{
		{Name: "unknown pipeline state", Changes: []oddanswers.Change{at(kindPipelines, "items.0.state", oddanswers.Unknown)}},
		{Name: "unknown workflow status", Changes: []oddanswers.Change{at(kindWorkflows, "items.0.status", oddanswers.Unknown)},
			Check: func(t *testing.T, st model.CIStatus) {
				if w := st.Pipelines[0].Workflows[0]; w.Status != model.RunBlocked {
					t.Errorf("workflow %s is %s", w.Name, w.Status)
				}
			}},
		{Name: "unknown job status and type", Changes: []oddanswers.Change{at(kindJobs, "items.0.status", oddanswers.Unknown), at(kindJobs, "items.0.type", oddanswers.Unknown)},
			Check: func(t *testing.T, st model.CIStatus) {
				if j := st.Pipelines[0].Workflows[0].Jobs[0]; j.Status != model.RunBlocked || j.Approval {
					t.Errorf("job %+v", j)
				}
			}},
		{Name: "nulls", Changes: []oddanswers.Change{
			at(kindPipelines, "items.0.vcs", nil), at(kindPipelines, "items.0.trigger", nil), at(kindPipelines, "items.0.errors", nil),
			at(kindPipelines, "items.0.number", nil), at(kindWorkflows, "items.0.stopped_at", nil),
			at(kindJobs, "items.0.dependencies", []any{nil}), at(kindJobs, "items.0.started_at", nil), at(kindJobs, "items.0.job_number", nil)}},
		{Name: "null items", Changes: []oddanswers.Change{at(kindPipelines, "items.0", nil), at(kindWorkflows, "items.0", nil), at(kindJobs, "items.0", nil)}},
		{Name: "a word for a pipeline number", Changes: []oddanswers.Change{at(kindPipelines, "items.0.number", "seven")}, Err: "not an integer"},
		{Name: "a number for a workflow id", Changes: []oddanswers.Change{at(kindWorkflows, "items.0.id", 7)}, Err: "cannot unmarshal"},
		{Name: "a date that is not one", Changes: []oddanswers.Change{at(kindJobs, "items.0.started_at", "yesterday")}, Err: "cannot parse"},
	}, func(t *testing.T, answers map[string][]byte) (model.CIStatus, string) {
		before := providers.RecoveredPanics()
		sts, _ := cannedSource(t, answers, fakeclock.New(t0).Now).Fetch(ctx)
		if providers.RecoveredPanics() != before || len(sts) != 1 {
			t.Fatalf("a panic was recovered: %+v", sts)
		}
		if sts[0].Error == "" && len(sts[0].Pipelines) != 2 {
			t.Errorf("%d pipelines, want 2", len(sts[0].Pipelines))
		}
		return sts[0], sts[0].Error
	})
}
