package circleci

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/providers"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func writeCLIConfig(t *testing.T, content string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".circleci"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".circleci", "cli.yml"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestLookupTokenOrder(t *testing.T) {
	home := writeCLIConfig(t, "host: https://circleci.com\nendpoint: graphql-unstable\ntoken: from-file\n")
	cases := []struct {
		env        map[string]string
		val, where string
	}{
		{map[string]string{"CIRCLECI_TOKEN": "a", "CIRCLECI_CLI_TOKEN": "b", "CIRCLE_TOKEN": "c"}, "a", "CIRCLECI_TOKEN"},
		{map[string]string{"CIRCLECI_CLI_TOKEN": "b", "CIRCLE_TOKEN": "c"}, "b", "CIRCLECI_CLI_TOKEN"},
		{map[string]string{"CIRCLE_TOKEN": " c \n"}, "c", "CIRCLE_TOKEN"},
		{map[string]string{"CIRCLECI_TOKEN": "  "}, "from-file", "~/.circleci/cli.yml"},
	}
	for _, tc := range cases {
		_, tok, err := LookupToken("", envOf(tc.env), home)
		if err != nil || tok.value() != tc.val || tok.Source() != tc.where {
			t.Errorf("%v: %q from %q, %v; want %q from %q", tc.env, tok.value(), tok.Source(), err, tc.val, tc.where)
		}
	}
}

func TestLookupTokenMissing(t *testing.T) {
	for name, home := range map[string]string{
		"no home":     "",
		"no file":     t.TempDir(),
		"empty token": writeCLIConfig(t, "host: https://circleci.com\ntoken: \"\"\n"),
	} {
		_, tok, err := LookupToken("", envOf(nil), home)
		if !errors.Is(err, providers.ErrAuth) || !tok.IsZero() || !strings.Contains(err.Error(), "CIRCLECI_TOKEN") {
			t.Errorf("%s: %v, %v", name, tok, err)
		}
	}
}

// A cli.yml that does not parse is reported without quoting it: the line
// at fault may be the token's.
func TestLookupTokenBadYAMLDoesNotLeak(t *testing.T) {
	home := writeCLIConfig(t, "token: s3cr3t-value\n  host: [unclosed\n")
	_, _, err := LookupToken("", envOf(nil), home)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "cli.yml is not valid YAML") {
		t.Errorf("%v", err)
	}
}

// However a token is printed, only its source shows.
func TestTokenNeverPrints(t *testing.T) {
	tok := NewToken("s3cr3t-value", "CIRCLECI_TOKEN")
	holder := struct {
		Name string
		T    Token
	}{"x", tok}
	hidden := struct{ t Token }{tok}
	client, err := NewClient(ClientOptions{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		for _, v := range []any{tok, &tok, holder, &holder, hidden, &hidden, client, struct{ c *Client }{client}} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, "s3cr3t") || strings.Contains(out, fmt.Sprintf("%x", "s3cr3t")) {
				t.Errorf("%s of %T printed %q", f, v, out)
			}
		}
	}
	if got := tok.String(); got != "CircleCI token from CIRCLECI_TOKEN" {
		t.Errorf("String() = %q", got)
	}
	if got := (Token{}).String(); got != "no CircleCI token" {
		t.Errorf("zero String() = %q", got)
	}
}

func TestTokenHint(t *testing.T) {
	for src, want := range map[string]string{
		"CIRCLE_TOKEN":        "check CIRCLE_TOKEN",
		"~/.circleci/cli.yml": "check the token in ~/.circleci/cli.yml",
		"":                    "check CIRCLECI_TOKEN",
	} {
		if got := NewToken("x", src).hint(); got != want {
			t.Errorf("%q: %q, want %q", src, got, want)
		}
	}
}
