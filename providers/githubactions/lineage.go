package githubactions

import (
	"context"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// Lineage answers about full SHAs never change, so they are kept (within
// bounds) and asked for once; answers about branches or short SHAs are read
// each time, conditionally.
const (
	maxCommits     = 1024
	maxComparisons = 256
)

// isFullSHA: 40 lower-case hex digits, as GitHub writes a commit.
func isFullSHA(s string) bool { return len(s) == 40 && model.IsHex(s) }

// isHexRef: a SHA as git abbreviates it (7 or more), or whole, any case.
func isHexRef(s string) bool { return len(s) >= 7 && len(s) <= 40 && model.IsHex(strings.ToLower(s)) }

// normRef trims a ref and lower-cases it when it is a SHA, so that one
// commit has one cache key; branch and tag names keep their case, which
// git and GitHub respect.
func normRef(ref string) string {
	ref = strings.TrimSpace(ref)
	if isHexRef(ref) {
		return strings.ToLower(ref)
	}
	return ref
}

type lineageCache struct {
	commits     *bounded[string, model.Commit]
	comparisons *bounded[string, model.Comparison]
}

func newLineageCache() lineageCache {
	return lineageCache{commits: newBounded[string, model.Commit](maxCommits), comparisons: newBounded[string, model.Comparison](maxComparisons)}
}

// Commit reads one commit of a repository ("owner/name") by SHA or ref.
func (s *Source) Commit(ctx context.Context, repo, sha string) (model.Commit, error) {
	sha = normRef(sha)
	key := repo + "@" + sha
	if c, ok := s.lineage.commits.get(key); ok {
		return c, nil
	}
	rc, err := s.client.Commit(ctx, repo, sha)
	if err != nil {
		return model.Commit{}, err
	}
	c := toCommit(rc)
	if isFullSHA(sha) {
		s.lineage.commits.put(key, c)
	}
	if c.SHA != "" {
		s.lineage.commits.put(repo+"@"+c.SHA, c)
	}
	return c, nil
}

// Compare reads what head has that base lacks in a repository: the
// status, the counts both ways, and the newest 250 of the commits, newest
// first.
func (s *Source) Compare(ctx context.Context, repo, base, head string) (model.Comparison, error) {
	base, head = normRef(base), normRef(head)
	key := repo + "@" + base + "..." + head
	if c, ok := s.lineage.comparisons.get(key); ok {
		return c, nil
	}
	cc, err := s.client.Compare(ctx, repo, base, head)
	if err != nil {
		return model.Comparison{}, err
	}
	out := model.Comparison{
		Base: base, Head: head,
		Status:   model.ComparisonStatus(cc.GetStatus()),
		AheadBy:  cc.GetAheadBy(),
		BehindBy: cc.GetBehindBy(),
		Commits:  make([]model.Commit, 0, len(cc.Commits)),
	}
	// GitHub lists them oldest first.
	for i := len(cc.Commits) - 1; i >= 0; i-- {
		c := toCommit(cc.Commits[i])
		out.Commits = append(out.Commits, c)
		if c.SHA != "" {
			s.lineage.commits.put(repo+"@"+c.SHA, c)
		}
	}
	out.Truncated = len(out.Commits) < max(out.AheadBy, cc.GetTotalCommits())
	if isFullSHA(base) && isFullSHA(head) {
		s.lineage.comparisons.put(key, out)
	}
	return out, nil
}

func toCommit(rc *github.RepositoryCommit) model.Commit {
	c := model.Commit{SHA: rc.GetSHA(), Login: rc.GetAuthor().GetLogin()}
	if gc := rc.GetCommit(); gc != nil {
		c.Subject = model.FirstLine(gc.GetMessage())
		c.Author = strings.TrimSpace(gc.GetAuthor().GetName())
		c.Time = gc.GetAuthor().GetDate().Time
	}
	if c.Author == "" {
		c.Author = c.Login
	}
	return c
}

// bounded is a map that forgets its least recently used entries beyond a
// size. It is safe for concurrent use.
type bounded[K comparable, V any] struct{ c *lru.Cache[K, V] }

func newBounded[K comparable, V any](n int) *bounded[K, V] {
	c, err := lru.New[K, V](max(1, n))
	if err != nil {
		panic(err) // only for a size below 1, which max rules out
	}
	return &bounded[K, V]{c: c}
}

func (b *bounded[K, V]) get(k K) (V, bool) { return b.c.Get(k) }

func (b *bounded[K, V]) put(k K, v V) { b.c.Add(k, v) }

var _ providers.CommitLinker = (*Source)(nil)

// CommitURL is a commit's page on the website of the API's host:
// github.com for api.github.com, NAME.ghe.com for api.NAME.ghe.com, and an
// Enterprise Server's own host for https://HOST/api/v3.
func (s *Source) CommitURL(repo, sha string) string {
	if !model.IsHex(sha) {
		return ""
	}
	return s.webRepo(repo, "/commit/"+sha)
}

// CompareURL is the page comparing base with head (what head adds).
func (s *Source) CompareURL(repo, base, head string) string {
	if !model.IsHex(base) || !model.IsHex(head) {
		return ""
	}
	return s.webRepo(repo, "/compare/"+base+"..."+head)
}

// webRepo is the repository's page on the website, with rest after it.
func (s *Source) webRepo(repo, rest string) string {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return ""
	}
	web := *s.client.base
	web.Path, web.RawQuery, web.Fragment = "", "", ""
	switch host := strings.ToLower(web.Hostname()); {
	case host == "api.github.com":
		web.Host = "github.com"
	case strings.HasPrefix(host, "api.") && strings.HasSuffix(host, ".ghe.com"):
		web.Host = strings.TrimPrefix(web.Host, "api.")
	}
	return web.String() + "/" + url.PathEscape(owner) + "/" + url.PathEscape(name) + rest
}
