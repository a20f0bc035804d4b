package githubactions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/secret"
)

// ghTimeout bounds `gh auth token`: it may read the OS keyring, which can
// hang on a locked keychain, and a dashboard must not wait on it.
const ghTimeout = 3 * time.Second

// Token is a GitHub token and where it was found. It prints as its source
// only, whatever the verb and however deep inside another value it sits,
// so a token that strays into a log line or an error stays secret: the
// value lives in a closure, which fmt prints as an address at most.
type Token struct {
	secret func() string
	source string
	// host is the GitHub host the token belongs to, as gh names hosts
	// (see Host); "" for one made by NewToken, which belongs to the
	// client it is given to.
	host string
}

// NewToken wraps a token found elsewhere; source says where. It belongs
// to whatever host the client it is given to reads; the tokens
// LookupToken finds carry their own host.
func NewToken(value, source string) Token {
	v := strings.TrimSpace(value)
	secret.Register(v) // every output path scrubs it from here on
	t := Token{source: source}
	if v != "" {
		t.secret = func() string { return v }
	}
	return t
}

// reveal is the token itself, for the Authorization header only.
func (t Token) reveal() string {
	if t.secret == nil {
		return ""
	}
	return t.secret()
}

// Source names where the token came from: a variable, or "gh" for the
// GitHub CLI's keyring.
func (t Token) Source() string { return t.source }

// Host is the GitHub host the token belongs to ("github.com", a server's
// host name), "" for one made by NewToken.
func (t Token) Host() string { return t.host }

// IsZero reports whether there is no token.
func (t Token) IsZero() bool { return t.secret == nil }

func (t Token) String() string {
	switch {
	case t.IsZero():
		return "no GitHub token"
	case t.source == "":
		return "GitHub token"
	}
	return "GitHub token from " + t.source
}

// GoString and Format keep %#v, %x, %d and friends from reaching the value.
func (t Token) GoString() string           { return "githubactions.Token{" + t.String() + "}" }
func (t Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(t.String())) }

// hint is what to tell a user whose token GitHub refused (401).
func (t Token) hint() string {
	switch t.source {
	case "":
		return "check GH_TOKEN"
	case sourceGH:
		return "run `gh auth login` or set GH_TOKEN"
	}
	return "check " + t.source
}

// lacking is what to tell a user whose token may not do something (403).
func (t Token) lacking() string {
	if t.source == "" {
		return "the token may not do this"
	}
	return "the token from " + t.source + " may not do this"
}

// sourceGH labels a token read from `gh auth token`.
const sourceGH = "gh"

// errNoToken is what requests answer when no token was found.
var errNoToken error = noTokenError{}

type noTokenError struct{}

func (noTokenError) Error() string {
	return "GitHub: no token; set GH_TOKEN (or GITHUB_TOKEN), or log in with `gh auth login`"
}

func (noTokenError) Unwrap() error { return providers.ErrAuth }

// wrongHostError is a token that belongs to another host than the one the
// client reads: it is not sent. It names both hosts, never the token.
type wrongHostError struct {
	source, tokenHost, host string
}

func (e *wrongHostError) Error() string {
	return fmt.Sprintf("GitHub: the token from %s is for %s, not for %s, so it is not sent; set %s, or run `gh auth login --hostname %s`",
		e.source, e.tokenHost, e.host, tokenVars(e.host)[0], e.host)
}

func (e *wrongHostError) Unwrap() error { return providers.ErrAuth }

// The host rules below are gh's: cli/go-gh pkg/auth (NormalizeHostname,
// IsTenancy, DefaultHost, tokenForHost) and cli/cli internal/ghinstance
// (RESTPrefix).
const (
	dotcom      = "github.com"
	ghLocalhost = "github.localhost"
	tenancy     = ".ghe.com" // GitHub Enterprise Cloud with data residency
)

// normalizeHost names a host as gh does: lower case, any *.github.com is
// github.com, any *.github.localhost is github.localhost, and
// x.TENANT.ghe.com is TENANT.ghe.com.
func normalizeHost(h string) string {
	h = strings.ToLower(h)
	switch {
	case strings.HasSuffix(h, "."+dotcom):
		return dotcom
	case strings.HasSuffix(h, "."+ghLocalhost):
		return ghLocalhost
	case strings.HasSuffix(h, tenancy):
		before := strings.TrimSuffix(h, tenancy)
		return before[strings.LastIndex(before, ".")+1:] + tenancy
	}
	return h
}

// Host is the GitHub host an API URL belongs to, as gh names hosts:
// "github.com" for https://api.github.com/, the server's host name for a
// GitHub Enterprise Server URL (https://HOST/api/v3/), and HOST.ghe.com for
// GitHub Enterprise Cloud with data residency (https://api.HOST.ghe.com/).
// A port, when the URL has one, is part of the host.
func Host(apiURL string) string {
	if apiURL == "" {
		return dotcom
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Hostname() == "" {
		return dotcom
	}
	h := normalizeHost(u.Hostname())
	if u.Port() != "" && h != dotcom && !strings.HasSuffix(h, tenancy) {
		return net.JoinHostPort(h, u.Port())
	}
	return h
}

// APIURLFor is the REST API root of a GitHub host, as gh maps it
// (RESTPrefix): github.com and TENANT.ghe.com are served at
// https://api.HOST/, github.localhost at http://api.github.localhost/, and
// any other host is a GitHub Enterprise Server, at https://HOST/api/v3/.
func APIURLFor(host string) string {
	h := normalizeHost(host)
	switch {
	case h == dotcom, strings.HasSuffix(h, tenancy):
		return "https://api." + h + "/"
	case h == ghLocalhost:
		return "http://api." + h + "/"
	}
	return "https://" + h + "/api/v3/"
}

// ResolveAPIURL is the API root flightdeck reads: configured (config's
// github.api_url; "" when the file leaves it out), else that of GH_HOST,
// which names the host as for gh (DefaultHost: GH_HOST, else github.com),
// else DefaultAPIURL. GH_HOST is a host name, with a port if need be; it
// is not a URL.
func ResolveAPIURL(configured string, getenv func(string) string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	h := strings.TrimSpace(getenv("GH_HOST"))
	if h == "" {
		return DefaultAPIURL, nil
	}
	u, err := url.Parse("https://" + h)
	if err != nil || u.Host != h || u.Hostname() == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("GitHub: GH_HOST %q is not a host name such as github.com or ghe.example.com", h)
	}
	return APIURLFor(h), nil
}

// tokenVars lists the variables a token for host is read from, in order,
// as gh does (tokenForHost): GH_TOKEN, GITHUB_TOKEN for github.com, a
// TENANT.ghe.com and github.localhost; GH_ENTERPRISE_TOKEN,
// GITHUB_ENTERPRISE_TOKEN for an Enterprise Server. So a github.com token
// is never sent to an Enterprise Server, nor the reverse. A server on
// loopback (the sim, a local fake) takes either.
func tokenVars(host string) []string {
	dotcomVars := []string{"GH_TOKEN", "GITHUB_TOKEN"}
	h := normalizeHost(host)
	if h == dotcom || h == ghLocalhost || strings.HasSuffix(h, tenancy) {
		return dotcomVars
	}
	enterprise := []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
	if loopback(host) {
		return append(enterprise, dotcomVars...)
	}
	return enterprise
}

func loopback(host string) bool {
	h := host
	if sh, _, err := net.SplitHostPort(host); err == nil {
		h = sh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// GHRunner runs `gh auth token --hostname HOST` and returns what it printed.
type GHRunner func(ctx context.Context, host string) (string, error)

// FindToken looks for a token for the API at apiURL (see ResolveAPIURL;
// "" for github.com): GH_TOKEN, then GITHUB_TOKEN (GH_ENTERPRISE_TOKEN,
// GITHUB_ENTERPRISE_TOKEN for an Enterprise Server), then
// `gh auth token --hostname HOST`, as gh does. The token belongs to that
// host.
func FindToken(ctx context.Context, apiURL string) (Token, error) {
	return LookupToken(ctx, Host(apiURL), os.Getenv, RunGH)
}

// LookupToken is FindToken with the host, environment and gh runner given
// (gh may be nil: no CLI fallback). With no token anywhere it returns an
// error wrapping providers.ErrAuth that says how to provide one; it never
// quotes what gh printed.
func LookupToken(ctx context.Context, host string, getenv func(string) string, gh GHRunner) (Token, error) {
	host = normalizeHost(host)
	vars := tokenVars(host)
	for _, name := range vars {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return bound(v, name, host), nil
		}
	}
	if gh == nil {
		return Token{}, errNoToken
	}
	ctx, cancel := context.WithTimeout(ctx, ghTimeout)
	defer cancel()
	out, err := gh(ctx, host)
	if v := strings.TrimSpace(out); err == nil && v != "" && !strings.ContainsAny(v, " \n\t") {
		return bound(v, sourceGH, host), nil
	}
	return Token{}, &tokenLookupError{vars: vars, host: host, gh: err}
}

// bound is a token that belongs to host.
func bound(value, source, host string) Token {
	t := NewToken(value, source)
	t.host = host
	return t
}

// tokenLookupError says where no token was found, and why gh gave none.
type tokenLookupError struct {
	vars []string
	host string
	gh   error
}

func (e *tokenLookupError) Error() string {
	why := "gh gave none"
	var ee *exec.Error
	switch {
	case errors.As(e.gh, &ee):
		why = "the GitHub CLI (gh) is not installed"
	case errors.Is(e.gh, context.DeadlineExceeded):
		why = fmt.Sprintf("`gh auth token` gave no answer within %s", ghTimeout)
	case e.gh != nil:
		why = "`gh auth token` failed: " + e.gh.Error()
	}
	return fmt.Sprintf("GitHub: no token for %s; set %s, or run `gh auth login --hostname %s` (%s)",
		e.host, strings.Join(e.vars, " or "), e.host, why)
}

func (e *tokenLookupError) Unwrap() error { return providers.ErrAuth }

// RunGH runs the GitHub CLI ($GH_PATH, else gh on $PATH). Its standard
// error is reduced to a fixed description: it is not ours to repeat.
func RunGH(ctx context.Context, host string) (string, error) {
	bin := os.Getenv("GH_PATH")
	if bin == "" {
		bin = "gh"
	}
	cmd := exec.CommandContext(ctx, bin, "auth", "token", "--hostname", host)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Env = append(os.Environ(), "GH_PROMPT_DISABLED=1", "NO_COLOR=1")
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	var xe *exec.ExitError
	if errors.As(err, &xe) {
		return "", fmt.Errorf("exit status %d (not logged in to %s?)", xe.ExitCode(), host)
	}
	if err != nil {
		return "", err
	}
	return out.String(), nil
}
