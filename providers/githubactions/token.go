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

	"flightdeck/providers"
	"flightdeck/secret"
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
}

// NewToken wraps a token found elsewhere; source says where.
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

// Host is the GitHub host an API URL belongs to, as gh names hosts:
// "github.com" for https://api.github.com/, the server's host name for a
// GitHub Enterprise Server URL (https://HOST/api/v3/), and HOST.ghe.com for
// GitHub Enterprise Cloud with data residency (https://api.HOST.ghe.com/).
func Host(apiURL string) string {
	if apiURL == "" {
		return "github.com"
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Hostname() == "" {
		return "github.com"
	}
	h := strings.ToLower(u.Hostname())
	if h == "api.github.com" {
		return "github.com"
	}
	if strings.HasSuffix(h, ".ghe.com") {
		return strings.TrimPrefix(h, "api.")
	}
	if u.Port() != "" {
		return h + ":" + u.Port()
	}
	return h
}

// tokenVars lists the variables a token for host is read from, in order.
// As gh does, a github.com token is never sent to an Enterprise Server nor
// the reverse; a server on loopback (the sim, a local fake) takes either.
func tokenVars(host string) []string {
	dotcom := []string{"GH_TOKEN", "GITHUB_TOKEN"}
	if host == "github.com" || strings.HasSuffix(host, ".ghe.com") {
		return dotcom
	}
	enterprise := []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
	if loopback(host) {
		return append(enterprise, dotcom...)
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

// FindToken looks for a token for the API at apiURL (config github.api_url;
// "" for github.com): GH_TOKEN, then GITHUB_TOKEN (GH_ENTERPRISE_TOKEN,
// GITHUB_ENTERPRISE_TOKEN for an Enterprise Server), then `gh auth token`.
func FindToken(ctx context.Context, apiURL string) (Token, error) {
	return LookupToken(ctx, Host(apiURL), os.Getenv, RunGH)
}

// LookupToken is FindToken with the host, environment and gh runner given
// (gh may be nil: no CLI fallback). With no token anywhere it returns an
// error wrapping providers.ErrAuth that says how to provide one; it never
// quotes what gh printed.
func LookupToken(ctx context.Context, host string, getenv func(string) string, gh GHRunner) (Token, error) {
	vars := tokenVars(host)
	for _, name := range vars {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return NewToken(v, name), nil
		}
	}
	if gh == nil {
		return Token{}, errNoToken
	}
	ctx, cancel := context.WithTimeout(ctx, ghTimeout)
	defer cancel()
	out, err := gh(ctx, host)
	if v := strings.TrimSpace(out); err == nil && v != "" && !strings.ContainsAny(v, " \n\t") {
		return NewToken(v, sourceGH), nil
	}
	return Token{}, &tokenLookupError{vars: vars, host: host, gh: err}
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
