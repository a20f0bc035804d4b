package githubactions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
	"github.com/airside-dev/flightdeck/sim"
)

// The kinds of answer a poll and the lineage reads get, by request path.
const (
	kindRuns    = "runs"
	kindJobs    = "jobs"
	kindPending = "pending"
	kindFile    = "file"
	kindCommit  = "commit"
	kindCompare = "compare"
)

var kindPaths = []struct {
	kind string
	re   *regexp.Regexp
}{
	{kindRuns, regexp.MustCompile(`/actions/workflows/[^/]+/runs$`)},
	{kindJobs, regexp.MustCompile(`/actions/runs/\d+/jobs$`)},
	{kindPending, regexp.MustCompile(`/actions/runs/\d+/pending_deployments$`)},
	{kindFile, regexp.MustCompile(`/contents/`)},
	{kindCommit, regexp.MustCompile(`/commits/[^/]+$`)},
	{kindCompare, regexp.MustCompile(`/compare/`)},
}

func kindOf(path string) string {
	for _, k := range kindPaths {
		if k.re.MatchString(path) {
			return k.kind
		}
	}
	return ""
}

// cannedGH is a tiny GitHub that answers every GET of a kind with that
// kind's body (the same for every run), with an ETag of the body and a 304
// to a matching If-None-Match, and notes whether each request was
// conditional.
type cannedGH struct {
	mu      sync.Mutex
	answers map[string][]byte
	asked   []cannedReq
}

type cannedReq struct {
	kind        string
	conditional bool
	status      int
}

func newCannedGH(answers map[string][]byte) *cannedGH {
	return &cannedGH{answers: maps.Clone(answers)}
}

func (c *cannedGH) set(kind string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers[kind] = body
}

func (c *cannedGH) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind := kindOf(r.URL.Path)
	c.mu.Lock()
	body, ok := c.answers[kind]
	c.mu.Unlock()
	status := http.StatusOK
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	switch {
	case !ok || r.Method != http.MethodGet:
		status = http.StatusNotFound
		body = []byte(`{"message":"Not Found"}`)
	case r.Header.Get("If-None-Match") == etag:
		status = http.StatusNotModified
	}
	c.mu.Lock()
	c.asked = append(c.asked, cannedReq{kind, r.Header.Get("If-None-Match") != "", status})
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusOK {
		w.Header().Set("ETag", etag)
	}
	w.WriteHeader(status)
	if status != http.StatusNotModified {
		_, _ = w.Write(body)
	}
}

// requests lists what was asked since the last call.
func (c *cannedGH) requests() []cannedReq {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.asked
	c.asked = nil
	return out
}

// simAnswers are real answers captured from the demo world, by kind: a
// few polls of its GitHub services as the world moves on, and the lineage
// reads of their runs' commits.
var simAnswers = sync.OnceValue(func() map[string][][]byte {
	clock := fakeclock.New(t0)
	w := sim.New(sim.Options{Seed: 1, Clock: clock})
	rec := &oddanswers.Recorder{Handler: w.Handler()}
	s, err := New(Options{
		ClientOptions: ClientOptions{APIURL: "http://sim.test/", Token: NewToken("sim", "GH_TOKEN"),
			HTTPClient: &http.Client{Transport: rec}, Now: clock.Now, NoCache: true},
		Services: simServices,
	})
	if err != nil {
		panic(err)
	}
	var web []model.Pipeline
	for range 6 {
		sts, _ := s.Fetch(ctx)
		if len(sts) > 0 && sts[0].Service == "web" {
			web = sts[0].Pipelines
		}
		w.Step(clock.Advance(3 * time.Minute))
	}
	if len(web) > 1 {
		_, _ = s.Commit(ctx, "acme/web", web[0].SHA)
		_, _ = s.Compare(ctx, "acme/web", web[len(web)-1].SHA, web[0].SHA)
	}
	return rec.Bodies(func(x oddanswers.Exchange) string { return kindOf(x.Path) })
})

// specAnswers are the spec's own examples of each kind.
func specAnswers(tb testing.TB) map[string][][]byte {
	ex := func(name string) []byte {
		b, err := json.Marshal(example(tb, name))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	return map[string][][]byte{
		kindRuns:    {ex("workflow-run-paginated")},
		kindJobs:    {ex("job-paginated")},
		kindPending: {ex("pending-deployment-items")},
		kindFile:    {ex("content-file-response-if-content-is-a-file")},
		kindCommit:  {ex("commit")},
		kindCompare: {ex("commit-comparison")},
	}
}

// baseAnswers is one real answer of each kind, for the kinds a fuzzer
// does not change; the run list holds the two runs a canned source reads,
// of one commit (one workflow file to parse) and without their
// repositories (which nothing reads), so that a fuzz run is quick. Every
// run is waiting when waiting is set, so that its pending deployments are
// read.
func baseAnswers(tb testing.TB, waiting bool) map[string][]byte {
	real := simAnswers()
	out := map[string][]byte{}
	for _, k := range kindPaths {
		if len(real[k.kind]) == 0 {
			tb.Fatalf("the sim gave no %s answer", k.kind)
		}
		out[k.kind] = real[k.kind][0]
	}
	var runs map[string]any
	if err := json.Unmarshal(out[kindRuns], &runs); err != nil {
		tb.Fatal(err)
	}
	list := runs["workflow_runs"].([]any)
	list = list[:min(2, len(list))]
	for _, r := range list {
		r := r.(map[string]any)
		r["head_sha"] = list[0].(map[string]any)["head_sha"]
		delete(r, "repository")
		delete(r, "head_repository")
		if waiting {
			r["status"], r["conclusion"] = "waiting", nil
		}
	}
	runs["workflow_runs"] = list
	out[kindRuns], _ = json.Marshal(runs)
	return out
}

// addSeeds adds real answers of the kinds, the spec's examples of them,
// and odd variants of a real one: a null, a wrong type or an unknown enum
// value in each place.
func addSeeds(f *testing.F, kinds ...string) {
	spec := specAnswers(f)
	for _, k := range kinds {
		for _, b := range oddanswers.Seeds(simAnswers()[k], spec[k], 100) {
			f.Add(b)
		}
	}
}

// fuzzFetch serves body as every answer of kind, the others real, to a
// source of one service with an in-memory ETag cache, and polls twice: the
// second poll's conditional requests are answered 304 and replayed from
// the cache. No panic may be recovered, and the cache may hold only
// answers that decode.
func fuzzFetch(t *testing.T, kind string, body []byte) {
	answers := baseAnswers(t, kind == kindPending)
	answers[kind] = body
	s := cannedSource(t, newCannedGH(answers), "", simServices[0])
	before := providers.RecoveredPanics()
	for range 2 {
		sts, _ := s.Fetch(ctx)
		if providers.RecoveredPanics() != before {
			t.Fatalf("a panic was recovered: %+v", sts)
		}
		if len(sts) != 1 || sts[0].Service != simServices[0].Name {
			t.Fatalf("services %+v", sts)
		}
	}
	checkCache(t, s.client.cache, kind)
}

// cannedSource is a source on a canned GitHub, in memory, reading the two
// newest runs of each service, with its ETag cache in dir ("" for memory
// only).
func cannedSource(t *testing.T, gh *cannedGH, dir string, services ...Service) *Source {
	t.Helper()
	s, err := New(Options{
		ClientOptions: ClientOptions{APIURL: "http://gh.test/", Token: NewToken("t", "GH_TOKEN"),
			HTTPClient: &http.Client{Transport: oddanswers.Transport{Handler: gh}}, CacheDir: dir, Now: fakeclock.New(t0).Now},
		Services: services,
		Recent:   2,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkCache holds every cached answer of a kind to what its reader
// vouched for: it decodes as go-github decodes it, to something.
func checkCache(t *testing.T, c *etagCache, kind string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.entries {
		path, _, _ := strings.Cut(key, "?")
		if kindOf(path) != kind {
			continue
		}
		var v any
		switch kind {
		case kindRuns:
			v = new(*github.WorkflowRuns)
		case kindJobs:
			v = new(*github.Jobs)
		case kindPending:
			v = new([]PendingDeployment)
		default:
			continue
		}
		if err := json.NewDecoder(bytes.NewReader(e.Body)).Decode(v); err != nil {
			t.Fatalf("cached an answer that does not decode (%v): %s", err, e.Body)
		}
	}
}

// fuzzKind fuzzes the poll's answers of one kind.
func fuzzKind(f *testing.F, kind string) {
	addSeeds(f, kind)
	f.Fuzz(func(t *testing.T, body []byte) { fuzzFetch(t, kind, body) })
}

func FuzzGitHubRuns(f *testing.F)    { fuzzKind(f, kindRuns) }
func FuzzGitHubJobs(f *testing.F)    { fuzzKind(f, kindJobs) }
func FuzzGitHubPending(f *testing.F) { fuzzKind(f, kindPending) }

// FuzzGitHubLineage serves body as both the commit and the comparison;
// the lineage reads have no safety net: a panic is a crash.
func FuzzGitHubLineage(f *testing.F) {
	addSeeds(f, kindCommit, kindCompare)
	f.Fuzz(func(t *testing.T, body []byte) {
		answers := baseAnswers(t, false)
		answers[kindCommit], answers[kindCompare] = body, body
		s := cannedSource(t, newCannedGH(answers), "", simServices[0])
		for range 2 { // the second time from the cache, after a 304
			_, _ = s.Commit(ctx, "acme/web", "main")
			_, _ = s.Compare(ctx, "acme/web", "v1", "main")
		}
	})
}
