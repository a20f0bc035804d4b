package circleci

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
	"github.com/airside-dev/flightdeck/sim"
)

// The kinds of answer a poll and a gate's re-check read, by operation.
const (
	kindPipelines = "listPipelinesForProject"
	kindWorkflows = "listWorkflowsByPipelineId"
	kindJobs      = "listWorkflowJobs"
	kindMe        = "getCurrentUser"
)

var kindRoutes = []struct {
	kind string
	re   *regexp.Regexp
}{
	{kindPipelines, regexp.MustCompile(`^/api/v2/project/.+/pipeline$`)},
	{kindWorkflows, regexp.MustCompile(`^/api/v2/pipeline/[^/]+/workflow$`)},
	{kindJobs, regexp.MustCompile(`^/api/v2/workflow/[^/]+/job$`)},
	{kindMe, regexp.MustCompile(`^/api/v2/me$`)},
}

func kindOf(path string) string {
	for _, k := range kindRoutes {
		if k.re.MatchString(path) {
			return k.kind
		}
	}
	return ""
}

// canned is a CircleCI that answers every GET of a kind with its body
// (every page, every pipeline and workflow alike).
type canned map[string][]byte

func (c canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := c[kindOf(r.URL.Path)]
	if !ok || r.Method != http.MethodGet {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// simAnswers are real answers captured from the demo world, by kind: a
// few polls of its CircleCI services as the world moves on.
var simAnswers = sync.OnceValue(func() map[string][][]byte {
	clock := fakeclock.New(t0)
	w := sim.New(sim.Options{Seed: 1, Clock: clock})
	rec := &oddanswers.Recorder{Handler: w.Handler()}
	s, err := New(Options{Host: "http://sim.test", Token: NewToken("sim", "CIRCLECI_TOKEN"),
		HTTPClient: &http.Client{Transport: rec}, Services: simServices, Now: clock.Now})
	if err != nil {
		panic(err)
	}
	for range 6 {
		sts, _ := s.Fetch(ctx)
		for _, st := range sts {
			for _, g := range st.Gates {
				_ = s.CheckGate(ctx, g)
			}
		}
		w.Step(clock.Advance(3 * time.Minute))
	}
	_, _ = s.client.Me(ctx)
	return rec.Bodies(func(x oddanswers.Exchange) string { return kindOf(x.Path) })
})

// baseAnswers is the first real answer of each kind.
func baseAnswers() canned {
	answers := canned{}
	for k, real := range simAnswers() {
		answers[k] = real[0]
	}
	return answers
}

// cannedSource is a source of the sim's first service on canned answers,
// in memory, reading its two newest pipelines.
func cannedSource(t *testing.T, answers canned, now func() time.Time) *Source {
	t.Helper()
	s, err := New(Options{Host: "http://circleci.test", Token: NewToken(testToken, "CIRCLECI_TOKEN"),
		HTTPClient: &http.Client{Transport: oddanswers.Transport{Handler: answers}},
		Services:   simServices[:1], Recent: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fuzzFetch serves body as every answer of kind, the others real, to a
// source of one service, polls twice (the world moves between the polls)
// and re-checks a gate of the first workflow. No panic may be recovered.
func fuzzFetch(t *testing.T, kind string, body []byte) {
	answers := baseAnswers()
	answers[kind] = body
	clock := fakeclock.New(t0)
	s := cannedSource(t, answers, clock.Now)
	before := providers.RecoveredPanics()
	var last []model.CIStatus
	for range 2 {
		last, _ = s.Fetch(ctx)
		if len(last) != 1 || last[0].Service != simServices[0].Name {
			t.Fatalf("services %+v", last)
		}
		clock.Advance(10 * time.Minute)
	}
	if providers.RecoveredPanics() != before {
		t.Fatalf("a panic was recovered: %+v", last)
	}
	for _, p := range last[0].Pipelines {
		for _, w := range p.Workflows {
			_ = s.CheckGate(ctx, model.Gate{Service: simServices[0].Name, Gate: "hold", ID: w.ID + "/" + w.ID, WorkflowID: w.ID})
		}
	}
}

// fuzzKind fuzzes one kind of answer, from real answers, the spec's
// example and odd variants of a real one.
func fuzzKind(f *testing.F, kind string) {
	spec := loadSpec(f)
	example, err := json.Marshal(spec.example(f, kind, "200"))
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range oddanswers.Seeds(simAnswers()[kind], [][]byte{example}, 100) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzFetch(t, kind, body) })
}

func FuzzCircleCIPipelines(f *testing.F) { fuzzKind(f, kindPipelines) }
func FuzzCircleCIWorkflows(f *testing.F) { fuzzKind(f, kindWorkflows) }
func FuzzCircleCIJobs(f *testing.F)      { fuzzKind(f, kindJobs) }
