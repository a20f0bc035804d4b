package githubactions

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

func (f *fakeGH) addCommit(repo, sha, message, author string, at time.Time) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := example(f.t, "commit").(map[string]any)
	// The example's files lack contents_url and sha, which the spec's own
	// schema requires; flightdeck reads no files, so none are sent.
	with(c, "sha", sha, "files", []any{})
	gc := c["commit"].(map[string]any)
	with(gc, "message", message)
	with(gc["author"].(map[string]any), "name", author, "date", stamp(at))
	f.commits[repo+"@"+sha] = c
	return c
}

func TestLineageCommitAndCompare(t *testing.T) {
	f, _ := newFake(t)
	f.addCommit("acme/api", sha(20), "Fix the flaky deploy\n\nLonger story.", "Ana Lima", t0)
	s := f.source(t, Options{}) // no CI services: lineage serves any repo

	c, err := s.Commit(ctx, "acme/api", sha(20))
	if err != nil {
		t.Fatal(err)
	}
	want := model.Commit{SHA: sha(20), Subject: "Fix the flaky deploy", Author: "Ana Lima", Login: "octocat", Time: t0}
	if c != want {
		t.Errorf("Commit = %+v, want %+v", c, want)
	}
	f.resetSeen()
	if again, _ := s.Commit(ctx, "acme/api", sha(20)); again != want || len(f.requests()) != 0 {
		t.Errorf("a full SHA is read once: %d requests", len(f.requests()))
	}
	if _, err := s.Commit(ctx, "acme/api", sha(21)); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown commit: %v", err)
	}

	cmp := example(t, "commit-comparison").(map[string]any)
	first := cmp["commits"].([]any)[0].(map[string]any)
	second := clone(first).(map[string]any)
	with(second, "sha", sha(22))
	with(second["commit"].(map[string]any), "message", "Newer change")
	with(cmp, "status", "ahead", "ahead_by", float64(3), "behind_by", float64(0), "total_commits", float64(3),
		"commits", []any{first, second})
	f.mu.Lock()
	f.compares["acme/api@"+sha(20)+"..."+sha(22)] = cmp
	f.mu.Unlock()
	got, err := s.Compare(ctx, "acme/api", sha(20), sha(22))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.CompareAhead || got.AheadBy != 3 || got.BehindBy != 0 || len(got.Commits) != 2 || !got.Truncated ||
		got.Commits[0].SHA != sha(22) || got.Commits[0].Subject != "Newer change" || got.Commits[1].Subject != "Fix all the bugs" {
		t.Errorf("Compare = %+v", got)
	}
	// No paging parameter: only then does GitHub's list end with the
	// newest commit, the one a promotion ships.
	for _, r := range f.requests() {
		if r.Op == "compare" && (r.Query.Has("per_page") || r.Query.Has("page")) {
			t.Errorf("compare asked for a page: %s", r.Query.Encode())
		}
	}
	f.resetSeen()
	if _, err := s.Compare(ctx, "acme/api", sha(20), sha(22)); err != nil || len(f.requests()) != 0 {
		t.Errorf("a comparison of full SHAs is read once: %v, %d requests", err, len(f.requests()))
	}
	// Commits a comparison listed are known from then on.
	if _, err := s.Commit(ctx, "acme/api", sha(22)); err != nil || len(f.requests()) != 0 {
		t.Errorf("commit from a comparison: %v, %d requests", err, len(f.requests()))
	}
	// Branch and tag names keep their case; SHAs are one commit however
	// they are spelt.
	if got, _ := s.Compare(ctx, "acme/api", strings.ToUpper(sha(20)), sha(22)); got.AheadBy != 3 {
		t.Errorf("an upper-case SHA is the same commit: %+v", got)
	}
	f.resetSeen()
	_, _ = s.Compare(ctx, "acme/api", "Release/1.2", "main")
	if reqs := f.requests(); len(reqs) != 1 || !strings.Contains(reqs[0].Path, "/compare/Release") {
		t.Errorf("a branch name keeps its case: %+v", reqs)
	}
	if _, err := s.Compare(ctx, "nope", "a", "b"); err == nil {
		t.Error("a repo that is not owner/name")
	}
}

// The caches forget what has not been used for longest: a file every poll
// reads stays, however many others come and go.
func TestBoundedForgetsTheLeastRecentlyUsed(t *testing.T) {
	b := newBounded[int, string](2)
	b.put(1, "kept")
	b.put(2, "forgotten")
	if _, ok := b.get(1); !ok {
		t.Fatal("1 is there")
	}
	b.put(3, "new")
	if v, ok := b.get(1); !ok || v != "kept" {
		t.Errorf("the entry just used was forgotten")
	}
	if _, ok := b.get(2); ok {
		t.Errorf("the least recently used entry is kept")
	}
}

func TestCommitURL(t *testing.T) {
	sha := "3f2a1c9d0e1b2c3d4e5f60718293a4b5c6d7e8f9"
	for api, want := range map[string]string{
		"https://api.github.com/":         "https://github.com/acme/api/commit/" + sha,
		"https://api.octo.ghe.com/":       "https://octo.ghe.com/acme/api/commit/" + sha,
		"https://git.example.com/api/v3/": "https://git.example.com/acme/api/commit/" + sha,
		"http://127.0.0.1:8787/":          "http://127.0.0.1:8787/acme/api/commit/" + sha,
	} {
		s := newTestSource(t, Options{}, api, NewToken("t", "GH_TOKEN"), time.Now, nil)
		if got := s.CommitURL("acme/api", sha); got != want {
			t.Errorf("%s: %s, want %s", api, got, want)
		}
	}
	s := newTestSource(t, Options{}, "https://api.github.com/", NewToken("t", "GH_TOKEN"), time.Now, nil)
	if got := s.CompareURL("acme/api", sha[:7], sha); got != "https://github.com/acme/api/compare/"+sha[:7]+"..."+sha {
		t.Errorf("compare: %s", got)
	}
	if got := s.CommitURL("acme/api", "main; rm"); got != "" {
		t.Errorf("a ref that is not a SHA got a link: %s", got)
	}
}
