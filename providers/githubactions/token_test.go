package githubactions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/providers"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// ghSays is a gh runner that answers out (or fails with err) and records
// the host it was asked about.
func ghSays(out string, err error, asked *string) GHRunner {
	return func(_ context.Context, host string) (string, error) {
		if asked != nil {
			*asked = host
		}
		return out, err
	}
}

func TestLookupTokenOrder(t *testing.T) {
	cases := []struct {
		host       string
		env        map[string]string
		gh         string
		val, where string
	}{
		{"github.com", map[string]string{"GH_TOKEN": "a", "GITHUB_TOKEN": "b"}, "c", "a", "GH_TOKEN"},
		{"github.com", map[string]string{"GITHUB_TOKEN": " b \n"}, "c", "b", "GITHUB_TOKEN"},
		{"github.com", map[string]string{"GH_TOKEN": "  ", "GH_ENTERPRISE_TOKEN": "e"}, "c\n", "c", "gh"},
		{"acme.ghe.com", map[string]string{"GH_TOKEN": "a"}, "", "a", "GH_TOKEN"},
		// An Enterprise Server never gets a github.com token, nor the reverse.
		{"ghe.acme.internal", map[string]string{"GH_TOKEN": "a", "GITHUB_ENTERPRISE_TOKEN": "e"}, "", "e", "GITHUB_ENTERPRISE_TOKEN"},
		{"ghe.acme.internal", map[string]string{"GH_TOKEN": "a"}, "g", "g", "gh"},
		{"github.com", map[string]string{"GH_ENTERPRISE_TOKEN": "e"}, "g", "g", "gh"},
		// A server on loopback (the sim) takes either.
		{"127.0.0.1:8080", map[string]string{"GH_TOKEN": "a"}, "", "a", "GH_TOKEN"},
		{"localhost:9", map[string]string{"GITHUB_TOKEN": "b", "GH_ENTERPRISE_TOKEN": "e"}, "", "e", "GH_ENTERPRISE_TOKEN"},
	}
	for _, c := range cases {
		var asked string
		tok, err := LookupToken(ctx, c.host, envOf(c.env), ghSays(c.gh, nil, &asked))
		if err != nil {
			t.Errorf("%s %v: %v", c.host, c.env, err)
			continue
		}
		if tok.reveal() != c.val || tok.Source() != c.where {
			t.Errorf("%s %v: got %s %q, want %q from %s", c.host, c.env, tok, tok.reveal(), c.val, c.where)
		}
		if c.where == "gh" && asked != c.host {
			t.Errorf("gh asked about %q, want %q", asked, c.host)
		}
	}
}

func TestLookupTokenNoneFound(t *testing.T) {
	cases := []struct {
		gh   GHRunner
		want string
	}{
		{nil, "set GH_TOKEN (or GITHUB_TOKEN)"},
		{ghSays("", &exec.Error{Name: "gh", Err: exec.ErrNotFound}, nil), "GitHub: no token for github.com; set GH_TOKEN or GITHUB_TOKEN, or run `gh auth login --hostname github.com` (the GitHub CLI (gh) is not installed)"},
		{ghSays("", errors.New("exit status 1 (not logged in to github.com?)"), nil), "`gh auth token` failed: exit status 1"},
		{ghSays("", context.DeadlineExceeded, nil), "gave no answer within 3s"},
		{ghSays("two words\n", nil, nil), "gh gave none"}, // not a token: never quoted
	}
	for _, c := range cases {
		tok, err := LookupToken(ctx, "github.com", envOf(nil), c.gh)
		if !errors.Is(err, providers.ErrAuth) || !tok.IsZero() || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, %v; want ErrAuth with %q", tok, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "two words") {
			t.Errorf("the error quotes gh's output: %v", err)
		}
	}
}

func TestTokenNeverPrints(t *testing.T) {
	tok := NewToken(testToken, "GH_TOKEN")
	holder := struct {
		T   Token
		Ptr *Token
	}{tok, &tok}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		for _, v := range []any{tok, &tok, holder, []Token{tok}, map[string]Token{"t": tok}} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, testToken) || strings.Contains(out, fmt.Sprintf("%x", testToken)) {
				t.Errorf("%s of %T prints the token: %s", verb, v, out)
			}
		}
	}
	if got := fmt.Sprint(tok); got != "GitHub token from GH_TOKEN" {
		t.Errorf("String = %q", got)
	}
	if got := fmt.Sprint(Token{}); got != "no GitHub token" {
		t.Errorf("zero String = %q", got)
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "github.com",
		"https://api.github.com/":       "github.com",
		"https://ghe.acme.com/api/v3/":  "ghe.acme.com",
		"https://api.acme.ghe.com/":     "acme.ghe.com",
		"http://127.0.0.1:4010/api/v3/": "127.0.0.1:4010",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeGH writes a stand-in gh script and points GH_PATH at it.
func fakeGHCLI(t *testing.T, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands in for gh")
	}
	path := filepath.Join(t.TempDir(), "gh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GH_PATH", path)
}

func TestRunGH(t *testing.T) {
	fakeGHCLI(t, `[ "$1 $2 $3 $4" = "auth token --hostname ghe.acme.com" ] || exit 9; echo gho_fromkeyring`)
	out, err := RunGH(ctx, "ghe.acme.com")
	if err != nil || strings.TrimSpace(out) != "gho_fromkeyring" {
		t.Errorf("RunGH = %q, %v", out, err)
	}
	tok, err := LookupToken(ctx, "ghe.acme.com", envOf(nil), RunGH)
	if err != nil || tok.Source() != "gh" || tok.reveal() != "gho_fromkeyring" {
		t.Errorf("LookupToken via gh: %v %v", tok, err)
	}

	fakeGHCLI(t, `echo "gho_half_printed_secret"; echo "no oauth token found for ghe.acme.com" >&2; exit 1`)
	_, err = LookupToken(ctx, "ghe.acme.com", envOf(nil), RunGH)
	if !errors.Is(err, providers.ErrAuth) || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("gh failing: %v", err)
	}
}
