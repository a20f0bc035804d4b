package githubactions

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim/speccheck"
)

var ctx = context.Background()

// t0 is the tests' clock start; the fake server's reset times and the
// source's clock both count from it.
var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// testToken is what every fixture server expects after "Bearer ".
const testToken = "ghp_test0123456789abcdefTOKEN"

// specPath is the in-repo copy of GitHub's REST description (a subset of
// the official document); CI runs on a clean clone, so tests read this one.
const specPath = "../../sim/specs/github-rest-subset.openapi.json"

var (
	specOnce sync.Once
	specDoc  map[string]any
	specChk  *speccheck.Spec
	specErr  error
)

// loadSpec reads the spec twice over: as a checker of traffic and as raw
// JSON for its examples.
func loadSpec(t testing.TB) (*speccheck.Spec, map[string]any) {
	t.Helper()
	specOnce.Do(func() {
		var b []byte
		if b, specErr = os.ReadFile(specPath); specErr != nil {
			return
		}
		if specErr = json.Unmarshal(b, &specDoc); specErr != nil {
			return
		}
		specChk, specErr = speccheck.Load("github", b, speccheck.Options{
			BasePaths:    []string{"/api/v3", ""},
			MultiSegment: []string{"path", "basehead", "ref"},
		})
	})
	if specErr != nil {
		t.Fatalf("reading %s: %v", specPath, specErr)
	}
	return specChk, specDoc
}

// example is a deep copy of one of the spec's named examples
// (components/examples/NAME/value), for a test to change.
func example(t testing.TB, name string) any {
	t.Helper()
	_, doc := loadSpec(t)
	ex, ok := doc["components"].(map[string]any)["examples"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("the spec has no example %q", name)
	}
	return clone(ex["value"])
}

// exampleObject is an example that is an object, or the first element of
// one that is a list (…-items) or wraps one (…-paginated: {total_count,
// workflow_runs: […]}).
func exampleObject(t testing.TB, name, list string) map[string]any {
	t.Helper()
	v := example(t, name)
	if list != "" {
		v = v.(map[string]any)[list]
	}
	if l, ok := v.([]any); ok {
		v = l[0]
	}
	return v.(map[string]any)
}

func clone(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// with sets fields of a fixture object and returns it.
func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func gunzip(t testing.TB, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// newTestSource builds a source on apiURL with the test's clock, the
// given token unless o names one, and "tester" at the keyboard.
func newTestSource(t *testing.T, o Options, apiURL string, token Token, now func() time.Time, services []Service) *Source {
	t.Helper()
	o.APIURL, o.Now, o.Services = apiURL, now, services
	if o.Token.IsZero() {
		o.Token = token
	}
	if o.Reviewer == "" {
		o.Reviewer = "tester"
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newFake is a fake GitHub and the clock it and its sources share.
func newFake(t *testing.T) (*fakeGH, *fakeclock.Clock) {
	t.Helper()
	clock := fakeclock.New(t0)
	return newFakeGH(t, clock), clock
}

// refetch polls again and counts the requests of that poll by operation.
func refetch(t *testing.T, f *fakeGH, s *Source) map[string]int {
	t.Helper()
	f.resetSeen()
	fetchOK(t, s)
	ops, _ := f.count()
	return ops
}
