package githubactions

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// nullJobsAndSteps is a real jobs answer with a null job first and a null
// step first in every job: `"jobs": [null, …]`, `"steps": [null, …]`.
func nullJobsAndSteps(t *testing.T) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(baseAnswers(t, false)[kindJobs], &v); err != nil {
		t.Fatal(err)
	}
	jobs := v["jobs"].([]any)
	for _, j := range jobs {
		j := j.(map[string]any)
		steps, _ := j["steps"].([]any)
		j["steps"] = append([]any{nil}, steps...)
	}
	v["jobs"] = append([]any{nil}, jobs...)
	b, _ := json.Marshal(v)
	return b
}

// wrongTypes is a jobs answer that does not decode: an id that is a word.
const wrongTypes = `{"total_count":1,"jobs":[{"id":"seven","name":"deploy","status":"completed","steps":[]}]}`

// cannedServer serves gh on loopback.
func cannedServer(t *testing.T, gh *cannedGH) string {
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// fetchQuietly polls once and fails the test on a recovered panic.
func fetchQuietly(t *testing.T, s *Source) model.CIStatus {
	t.Helper()
	before := providers.RecoveredPanics()
	sts, _ := s.Fetch(ctx)
	if providers.RecoveredPanics() != before {
		t.Fatalf("a panic was recovered: %+v", sts)
	}
	if len(sts) != 1 {
		t.Fatalf("%d services", len(sts))
	}
	return sts[0]
}

// jobsAsked says how the jobs were asked for: conditionally or not.
func jobsAsked(t *testing.T, gh *cannedGH) (conditional, unconditional int) {
	t.Helper()
	for _, r := range gh.requests() {
		switch {
		case r.kind != kindJobs:
		case r.conditional:
			conditional++
		default:
			unconditional++
		}
	}
	return conditional, unconditional
}

func cachedSource(t *testing.T, url, dir string) *Source {
	t.Helper()
	return newTestSource(t, Options{ClientOptions: ClientOptions{CacheDir: dir}, Recent: 2}, url, NewToken(testToken, "GH_TOKEN"), fakeclock.New(t0).Now, simServices[:1])
}

// The answers that crashed flightdeck (issue 12) read, null entries
// skipped, and a second start on the same cache reads them again.
func TestNullJobsAndStepsAreSkipped(t *testing.T) {
	answers := baseAnswers(t, false)
	answers[kindJobs] = nullJobsAndSteps(t)
	gh := newCannedGH(answers)
	url, dir := cannedServer(t, gh), t.TempDir()
	for start := range 2 {
		s := cachedSource(t, url, dir)
		st := fetchQuietly(t, s)
		if st.Error != "" || len(st.Pipelines) != 2 {
			t.Fatalf("start %d: %+v", start, st)
		}
		for _, j := range st.Pipelines[0].Workflows[0].Jobs {
			for _, step := range j.Steps {
				if step.Name == "" {
					t.Errorf("start %d: job %s has a step from a null: %+v", start, j.Name, j.Steps)
				}
			}
		}
		if err := s.SaveCache(); err != nil {
			t.Fatal(err)
		}
	}
}

// An answer that does not decode is an error on its service, and never
// enters the cache: the next start asks for it unconditionally.
func TestUnreadableAnswerIsNotCached(t *testing.T) {
	answers := baseAnswers(t, false)
	answers[kindJobs] = []byte(wrongTypes)
	gh := newCannedGH(answers)
	url, dir := cannedServer(t, gh), t.TempDir()
	for start := range 2 {
		s := cachedSource(t, url, dir)
		st := fetchQuietly(t, s)
		if !strings.Contains(st.Error, "cannot unmarshal") {
			t.Errorf("start %d: error %q", start, st.Error)
		}
		if err := s.SaveCache(); err != nil {
			t.Fatal(err)
		}
		if c, u := jobsAsked(t, gh); c != 0 || u == 0 {
			t.Errorf("start %d: jobs asked %d times conditionally, %d unconditionally", start, c, u)
		}
	}
}

// poisonCache overwrites the cached jobs answers in dir's cache file with
// body, keeping their ETags, as a flightdeck that cached whatever came
// would have left them.
func poisonCache(t *testing.T, dir string, body []byte) {
	t.Helper()
	path := filepath.Join(dir, CacheFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cf cacheFile
	if err := json.Unmarshal([]byte(gunzip(t, raw)), &cf); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range cf.Entries {
		if p, _, _ := strings.Cut(e.Key, "?"); kindOf(p) == kindJobs {
			e.Body = body
			n++
		}
	}
	if n == 0 {
		t.Fatal("no jobs answer in the cache to poison")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(cf); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A cached answer that no longer reads is replayed once, read as an error
// on its service, and dropped: the next poll asks unconditionally, and
// the next start finds it gone. The null steps an older flightdeck cached
// read (no crash), and stay.
func TestPoisonedCacheEntryIsDroppedNotReplayed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		poison []byte
		drop   bool
	}{
		{"wrong types", []byte(wrongTypes), true},
		{"null jobs and steps", nullJobsAndSteps(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh := newCannedGH(baseAnswers(t, false))
			url, dir := cannedServer(t, gh), t.TempDir()
			first := cachedSource(t, url, dir)
			if st := fetchQuietly(t, first); st.Error != "" {
				t.Fatal(st.Error)
			}
			if err := first.SaveCache(); err != nil {
				t.Fatal(err)
			}
			poisonCache(t, dir, tc.poison)
			gh.requests()

			s := cachedSource(t, url, dir)
			st := fetchQuietly(t, s)
			if c, u := jobsAsked(t, gh); c == 0 || u != 0 {
				t.Fatalf("jobs asked %d times conditionally, %d unconditionally: the poison was not replayed", c, u)
			}
			if tc.drop != (st.Error != "") {
				t.Fatalf("poisoned start: error %q", st.Error)
			}
			st = fetchQuietly(t, s)
			c, u := jobsAsked(t, gh)
			switch {
			case st.Error != "":
				t.Errorf("second poll: %s", st.Error)
			case tc.drop && (c != 0 || u == 0):
				t.Errorf("second poll: jobs asked %d times conditionally, %d unconditionally, want unconditionally", c, u)
			}
			if err := s.SaveCache(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, CacheFile))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(gunzip(t, raw), `"seven"`) {
				t.Error("the poisoned answer is still in the cache file")
			}
		})
	}
}

// The ledger under a call hands what it read to the service's; the
// service's stores it on commit, and on discard forgets it and drops the
// cached answers it replayed.
func TestPendingCommitAndDiscard(t *testing.T) {
	c := newETagCache("", 0, fakeclock.New(t0).Now)
	h := http.Header{"Etag": {`"1"`}}
	c.put("old", h, []byte(`{}`))
	old := c.get("old")

	svc := c.begin(nil)
	call := c.begin(svc)
	call.add(newEntry("new", h, []byte(`{"a":1}`)))
	call.replay(old)
	call.commit()
	call.discard() // a no-op after commit
	if c.get("new") != nil || c.get("old") == nil {
		t.Fatal("a call's commit reached the cache before its service's")
	}
	svc.commit()
	if c.get("new") == nil || c.get("old") == nil {
		t.Fatal("the service's commit did not store")
	}

	svc = c.begin(nil)
	svc.add(newEntry("newer", h, []byte(`{"a":2}`)))
	svc.replay(c.get("new"))
	svc.discard()
	if c.get("newer") != nil || c.get("new") != nil || c.get("old") == nil {
		t.Error("discard kept what it read, or dropped what it did not replay")
	}

	// A replayed entry replaced meanwhile by a newer answer stays.
	svc = c.begin(nil)
	svc.replay(old)
	c.put("old", http.Header{"Etag": {`"2"`}}, []byte(`{"b":1}`))
	svc.discard()
	if e := c.get("old"); e == nil || e.ETag != `"2"` {
		t.Errorf("discard dropped a newer answer: %+v", e)
	}
}
