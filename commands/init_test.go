package commands

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// initWorld serves the demo world and returns the init flags that point
// at it, with a GitHub token the sim accepts.
func initWorld(t *testing.T) (*simtest.Server, []string) {
	t.Helper()
	t.Setenv("GH_TOKEN", "sim-init-token")
	t.Setenv("CIRCLECI_TOKEN", "sim-init-token")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := simtest.Start(t, time.Now(), sim.Options{Seed: 7})
	return srv, []string{"init", "--endpoint-url", srv.URL, "--anonymous", "--region", "us-east-1", "--github-api-url", srv.URL + "/"}
}

// TestInitDemoWorldOpensStatus: the config init writes for the demo's
// world is valid and opens a working status.
func TestInitDemoWorldOpensStatus(t *testing.T) {
	_, args := initWorld(t)
	path := filepath.Join(t.TempDir(), "cfg", "flightdeck.yaml")
	code, out, stderr := runCmd(t, append(args, "--yes", "--output", path)...)
	if code != exitOK {
		t.Fatalf("init exit %d: %s", code, stderr)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(written) != out {
		t.Errorf("the file is not what was shown")
	}
	if !strings.Contains(stderr, "Wrote "+path+": 9 service(s), 19 environment(s)") {
		t.Errorf("stderr: %s", stderr)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("init wrote a config flightdeck refuses: %v", err)
	}
	var names []string
	for _, s := range cfg.Services {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "api basket checkout orders payments search shop web worker" {
		t.Errorf("services %s", got)
	}

	code, status, stderr := runCmd(t, "--config", path, "status")
	if code != exitOK {
		t.Fatalf("status on init's config: exit %d\n%s\n%s", code, status, stderr)
	}
	// The pairs init found read as pairs: checkout's listener, shop's CNAMEs.
	for _, want := range []string{"api", "production", "worker", "live checkout-blue, standby checkout-green", "live shop-blue, standby shop-green"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
}

func TestInitPrintWritesNothing(t *testing.T) {
	_, args := initWorld(t)
	for _, flag := range []string{"--print", "--dry-run"} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		code, out, stderr := runCmd(t, append(args, flag, "--output", path)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", flag, code, stderr)
		}
		if _, err := config.Parse([]byte(out), "stdout"); err != nil {
			t.Errorf("%s printed a config that does not validate: %v", flag, err)
		}
		if fileExists(path) {
			t.Errorf("%s wrote %s", flag, path)
		}
	}
}

func TestInitNeverOverwritesUnasked(t *testing.T) {
	_, args := initWorld(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	mine := []byte("# my own config\n")
	if err := os.WriteFile(path, mine, 0o600); err != nil {
		t.Fatal(err)
	}
	same := func(what string) {
		t.Helper()
		if b, _ := os.ReadFile(path); !bytes.Equal(b, mine) {
			t.Errorf("%s: the existing file was changed", what)
		}
	}
	code, _, stderr := runCmd(t, append(args, "--yes", "--output", path)...)
	if code != exitRefused || !strings.Contains(stderr, "exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("--yes on an existing file: exit %d: %s", code, stderr)
	}
	same("--yes")
	// Without --yes and without a terminal: shown, refused, not written.
	code, out, stderr := runCmd(t, append(args, "--output", path)...)
	if code != exitRefused || !strings.Contains(stderr, "stdin is not a terminal") || !strings.Contains(out, "services:") {
		t.Errorf("no terminal: exit %d: %s", code, stderr)
	}
	same("no terminal")
	code, _, stderr = runCmd(t, append(args, "--force", "--output", path)...)
	if code != exitUsage {
		t.Errorf("--force without --yes: exit %d: %s", code, stderr)
	}
	same("--force without --yes")
	code, _, stderr = runCmd(t, append(args, "--yes", "--force", "--output", path)...)
	if code != exitOK {
		t.Fatalf("--yes --force: exit %d: %s", code, stderr)
	}
	if _, err := config.Load(path); err != nil {
		t.Errorf("replaced with an invalid config: %v", err)
	}
}

// TestInitAsksOnATerminal: on a terminal init asks, and writes only on yes.
func TestInitAsksOnATerminal(t *testing.T) {
	_, args := initWorld(t)
	for _, c := range []struct {
		answer string
		code   int
		exists bool // the file is there before
	}{{"y\n", exitOK, false}, {"n\n", exitRefused, false}, {"\n", exitRefused, false}, {"yes\n", exitOK, true}, {"no\n", exitRefused, true}} {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pty: %v", err)
		}
		path := filepath.Join(t.TempDir(), "config.yaml")
		if c.exists {
			os.WriteFile(path, []byte("# mine\n"), 0o600)
		}
		ptmx.Write([]byte(c.answer))
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--output", path), streams{in: tty, out: &out, err: &errb})
		ptmx.Close()
		tty.Close()
		if code != c.code {
			t.Errorf("answer %q: exit %d, want %d: %s", c.answer, code, c.code, errb.String())
		}
		q := "Write this config to " + path + "? [y/N]"
		if c.exists {
			q = path + " exists. Replace it with this config? [y/N]"
		}
		if !strings.Contains(errb.String(), q) {
			t.Errorf("answer %q: not asked %q: %s", c.answer, q, errb.String())
		}
		b, _ := os.ReadFile(path)
		wrote := strings.Contains(string(b), "services:")
		if wrote != (c.code == exitOK) {
			t.Errorf("answer %q: written %v", c.answer, wrote)
		}
	}
}

// TestInitNoCredentials: no credentials anywhere is exit 2, saying what was
// looked at and how to set them, and nothing is written.
func TestInitNoCredentials(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": filepath.Join(home, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
	srv := simtest.Start(t, time.Now(), sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	path := filepath.Join(home, "out.yaml")
	code, out, stderr := runCmd(t, "init", "--endpoint-url", srv.URL, "--yes", "--output", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2: %s", code, stderr)
	}
	for _, want := range []string{"no usable AWS credentials", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
		`profile "default"`, "SSO", "instance metadata (IMDS)", "aws configure", "Nothing was written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if out != "" || fileExists(path) {
		t.Errorf("printed %q or wrote %s", out, path)
	}
	if n := len(srv.World.Requests()); n != 0 {
		t.Errorf("calls reached AWS: %v", srv.World.Requests())
	}
}

func TestInitBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"init", "--endpoint-url", "localhost:4566", "--print"},
		{"init", "--github-api-url", "ftp://x/", "--print"},
		{"init", "--timeout", "0s", "--print"},
		{"init", "--force"},
		{"init", "extra"},
	} {
		code, out, stderr := runCmd(t, args...)
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q: %s", args, code, out, stderr)
		}
	}
}

func TestInitOutputPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		output, config string
		env            map[string]string
		want           string
	}{
		{"x.yaml", "c.yaml", map[string]string{"FLIGHTDECK_CONFIG": "/e.yaml"}, "x.yaml"},
		{"", "c.yaml", map[string]string{"FLIGHTDECK_CONFIG": "/e.yaml"}, "c.yaml"},
		{"", "", map[string]string{"FLIGHTDECK_CONFIG": "~/e.yaml", "HOME": "/h"}, "/h/e.yaml"},
		{"", "", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/flightdeck/config.yaml"},
		{"", "", map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, "/h/.config/flightdeck/config.yaml"},
	} {
		got, err := initOutput(c.output, c.config, env(c.env))
		if err != nil || got != c.want {
			t.Errorf("initOutput(%q, %q, %v) = %q, %v; want %q", c.output, c.config, c.env, got, err, c.want)
		}
	}
	if _, err := initOutput("", "", env(nil)); err == nil {
		t.Error("no HOME: no error")
	}
}
