package circleci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"

	"flightdeck/providers"
	"flightdeck/secret"
)

// tokenEnv lists the variables a token is read from, in order: ours, the
// official CLI's, then the name most docs and scripts use.
var tokenEnv = []string{"CIRCLECI_TOKEN", "CIRCLECI_CLI_TOKEN", "CIRCLE_TOKEN"}

// cliConfig is where the official CircleCI CLI keeps its token.
const cliConfig = "~/.circleci/cli.yml"

// Token is a CircleCI personal API token and where it was found. However it
// is printed (%v, %s, %q, %#v, %d…), alone or inside another struct, it
// shows only its source, so a token that strays into a log line or an
// error stays secret. The value sits inside a closure: fmt prints a
// struct's unexported fields without asking them how, and prints a func
// only as an address.
type Token struct {
	secret func() string
	source string
}

// NewToken wraps a token found elsewhere; source says where ("--token-file").
func NewToken(value, source string) Token {
	value = strings.TrimSpace(value)
	secret.Register(value) // every output path scrubs it from here on
	if value == "" {
		return Token{source: source}
	}
	return Token{secret: func() string { return value }, source: source}
}

// value is the token itself, for the Circle-Token header only.
func (t Token) value() string {
	if t.secret == nil {
		return ""
	}
	return t.secret()
}

// Source names where the token came from: an environment variable or
// ~/.circleci/cli.yml.
func (t Token) Source() string { return t.source }

// IsZero reports whether there is no token.
func (t Token) IsZero() bool { return t.value() == "" }

func (t Token) String() string {
	if t.IsZero() {
		return "no CircleCI token"
	}
	return "CircleCI token from " + t.source
}

// GoString keeps %#v from printing the value.
func (t Token) GoString() string { return "circleci.Token{" + t.String() + "}" }

// Format prints the token's description for every verb, so not even %d or
// %x on a struct holding it can reach the value.
func (t Token) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// forbidden is what to tell a user whose token may not do something.
func (t Token) forbidden() string {
	if t.source == "" {
		return "the token is not allowed to do this"
	}
	return "the token from " + t.source + " is not allowed to do this"
}

// hint is what to tell a user whose token was refused.
func (t Token) hint() string {
	if t.source == "" {
		return "check CIRCLECI_TOKEN"
	}
	if strings.HasPrefix(t.source, "~") || strings.HasPrefix(t.source, "/") {
		return "check the token in " + t.source
	}
	return "check " + t.source
}

// errNoToken is what every request answers when no token was found.
var errNoToken error = noTokenError{}

// noTokenError says how to provide a token; it is a providers.ErrAuth.
type noTokenError struct{}

func (noTokenError) Error() string {
	return "CircleCI: no API token; set CIRCLECI_TOKEN (or CIRCLECI_CLI_TOKEN, CIRCLE_TOKEN) to a personal API token, or run `circleci setup`"
}

func (noTokenError) Unwrap() error { return providers.ErrAuth }

// FindToken looks for a token in CIRCLECI_TOKEN, CIRCLECI_CLI_TOKEN and
// CIRCLE_TOKEN, then in the `token:` of ~/.circleci/cli.yml.
func FindToken() (Token, error) {
	home, _ := os.UserHomeDir()
	return LookupToken(os.Getenv, home)
}

// LookupToken is FindToken with the environment and home directory given.
// With no token anywhere it returns an error wrapping providers.ErrAuth
// that says how to provide one; a cli.yml that cannot be read is an error
// too, naming the file (never quoting it: it holds the token).
func LookupToken(getenv func(string) string, home string) (Token, error) {
	for _, name := range tokenEnv {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return NewToken(v, name), nil
		}
	}
	if home == "" {
		return Token{}, errNoToken
	}
	path := filepath.Join(home, ".circleci", "cli.yml")
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Token{}, errNoToken
	case err != nil:
		return Token{}, fmt.Errorf("CircleCI: read %s: %w", cliConfig, err)
	}
	var cfg struct {
		Token string `yaml:"token"`
	}
	// goccy's errors quote the offending source lines; the token may be
	// on one of them, so only the fact is reported.
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return Token{}, fmt.Errorf("CircleCI: %s is not valid YAML; fix it or set CIRCLECI_TOKEN", cliConfig)
	}
	if v := strings.TrimSpace(cfg.Token); v != "" {
		return NewToken(v, cliConfig), nil
	}
	return Token{}, errNoToken
}
