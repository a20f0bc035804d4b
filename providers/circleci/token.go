package circleci

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/secret"
)

// cliConfig is where the official CircleCI CLI keeps its host and token.
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
	// host is the origin the token belongs to (providers.Origin); "" for
	// one made by NewToken, which belongs to the client it is given to.
	host string
}

// NewToken wraps a token found elsewhere; source says where ("--token-file").
// It belongs to whatever host the client it is given to reads; the tokens
// LookupToken finds carry their own host.
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

// Host is the origin (scheme://host[:port]) the token belongs to, "" for
// one made by NewToken.
func (t Token) Host() string { return t.host }

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

// wrongHostError is a token that belongs to another host than the one the
// client reads: it is not sent. It names both hosts, never the token.
type wrongHostError struct {
	source, tokenHost, host string
}

func (e *wrongHostError) Error() string {
	return fmt.Sprintf("CircleCI: the token from %s is for %s, not for %s, so it is not sent; set CIRCLECI_TOKEN to a token for %s",
		e.source, e.tokenHost, e.host, e.host)
}

func (e *wrongHostError) Unwrap() error { return providers.ErrAuth }

// FindToken resolves the CircleCI host flightdeck reads and the token for
// it, from the environment and ~/.circleci/cli.yml; configured is config's
// circleci.host, "" when the file leaves it out. See LookupToken.
func FindToken(configured string) (host string, tok Token, err error) {
	home, _ := os.UserHomeDir()
	return LookupToken(configured, os.Getenv, home)
}

// LookupToken is FindToken with the environment and home directory given.
//
// The official CLI (CircleCI-Public/circleci-cli, settings.Config.Load)
// reads host: and token: from ~/.circleci/cli.yml, which `circleci setup`
// writes together, then lets CIRCLECI_CLI_HOST and CIRCLECI_CLI_TOKEN
// override them, and sends its token to its host, https://circleci.com
// unless set. flightdeck reads configured, else that CLI host. The token
// is the first of these whose own host is the one flightdeck reads:
//
//   - CIRCLECI_TOKEN, flightdeck's own: for the host flightdeck reads;
//   - CIRCLECI_CLI_TOKEN, then CIRCLE_TOKEN: for the CLI's host, as the CLI
//     sends them (CIRCLE_TOKEN is no CLI variable, but shared with other
//     tools, so it gets no wider reach than the CLI's own);
//   - token: in cli.yml: for host: in the same file (https://circleci.com
//     if it names none), the host it was set up with, even where
//     CIRCLECI_CLI_HOST would send it elsewhere.
//
// With no token for that host it returns the first token found, bound to
// its own host (a client refuses to send it, and says why on every
// request), with an error naming both hosts; with no token at all, a zero
// Token and an error saying how to set one. Both wrap providers.ErrAuth.
// host is "" when the host flightdeck should read is not an http(s) URL.
// A cli.yml that cannot be read or parsed is an error that names the file
// (never quoting it: it holds the token) unless a token was found without
// it.
func LookupToken(configured string, getenv func(string) string, home string) (host string, tok Token, err error) {
	file, ferr := readCLIConfig(home)
	cliHost, cliFrom := DefaultHost, "the default"
	switch {
	case strings.TrimSpace(getenv("CIRCLECI_CLI_HOST")) != "":
		cliHost, cliFrom = strings.TrimSpace(getenv("CIRCLECI_CLI_HOST")), "CIRCLECI_CLI_HOST"
	case file.Host != "":
		cliHost, cliFrom = file.Host, "host: in "+cliConfig
	case ferr != nil:
		cliHost = "" // unknown: the file may name one
	}
	host, from := strings.TrimRight(strings.TrimSpace(configured), "/"), "circleci.host"
	if host == "" {
		host, from = strings.TrimRight(cliHost, "/"), cliFrom
	}
	origin := providers.OriginOf(host)
	switch {
	case host == "":
		return "", Token{}, ferr
	case origin == "":
		return "", Token{}, fmt.Errorf("CircleCI: the host %q from %s is not an http(s) URL such as %s", host, from, DefaultHost)
	}
	fileHost := cmp.Or(file.Host, DefaultHost)
	candidates := []Token{
		bound(getenv("CIRCLECI_TOKEN"), "CIRCLECI_TOKEN", origin),
		bound(getenv("CIRCLECI_CLI_TOKEN"), "CIRCLECI_CLI_TOKEN", cmp.Or(providers.OriginOf(cliHost), cliHost)),
		bound(getenv("CIRCLE_TOKEN"), "CIRCLE_TOKEN", cmp.Or(providers.OriginOf(cliHost), cliHost)),
		bound(file.Token, cliConfig, cmp.Or(providers.OriginOf(fileHost), fileHost)),
	}
	var first Token
	for _, t := range candidates {
		switch {
		case t.IsZero():
		case t.host == origin:
			return host, t, nil
		case first.IsZero():
			first = t
		}
	}
	switch {
	case ferr != nil:
		return host, Token{}, ferr
	case first.IsZero():
		return host, Token{}, errNoToken
	}
	return host, first, &wrongHostError{source: first.source, tokenHost: first.host, host: origin}
}

// bound is a token that belongs to host: an origin, or what names the
// host when it is none (then the token goes nowhere).
func bound(value, source, host string) Token {
	t := NewToken(value, source)
	if !t.IsZero() {
		t.host = cmp.Or(host, "an unknown host")
	}
	return t
}

// cliSettings is what flightdeck reads of the CircleCI CLI's cli.yml.
type cliSettings struct {
	Host  string `yaml:"host"`
	Token string `yaml:"token"`
}

// readCLIConfig reads ~/.circleci/cli.yml; a missing file (or home) is
// empty settings, not an error.
func readCLIConfig(home string) (cliSettings, error) {
	var cfg cliSettings
	if home == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(filepath.Join(home, ".circleci", "cli.yml"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cfg, nil
	case err != nil:
		return cfg, fmt.Errorf("CircleCI: read %s: %w", cliConfig, err)
	}
	// goccy's errors quote the offending source lines; the token may be
	// on one of them, so only the fact is reported.
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return cliSettings{}, fmt.Errorf("CircleCI: %s is not valid YAML; fix it, or set circleci.host and CIRCLECI_TOKEN", cliConfig)
	}
	cfg.Host = strings.TrimSpace(cfg.Host)
	return cfg, nil
}
