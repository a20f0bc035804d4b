package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// runCmd runs the command line in-process and returns exit code and output.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, streams{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// simConfig serves a demo world on httptest and writes its config.
func simConfig(t testing.TB) (string, *sim.World, *fakeclock.Clock) {
	t.Helper()
	// The sim wants a CircleCI token, as CircleCI does; any will do.
	t.Setenv("CIRCLECI_TOKEN", "sim")
	t.Setenv("GH_TOKEN", "sim")
	// GitHub answers are cached for conditional requests; keep them here.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	// Each world its own locks and notes beside them (the same names
	// recur in every test's world).
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	srv := simtest.Start(t, time.Now(), sim.Options{Seed: 7})
	path := filepath.Join(t.TempDir(), "sim.yaml")
	if err := os.WriteFile(path, srv.World.WriteConfig(srv.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, srv.World, srv.Clock
}

func TestSimConfigIsValid(t *testing.T) {
	path, _, _ := simConfig(t)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("sim wrote a config flightdeck rejects: %v", err)
	}
	if len(cfg.Services) < 4 {
		t.Errorf("demo should have at least 4 services, got %d", len(cfg.Services))
	}
	for _, s := range cfg.Services {
		if n := len(s.Environments); n < 2 || n > 3 {
			t.Errorf("%s has %d environments, want 2 or 3", s.Name, n)
		}
	}
}

// TestStatusJSONContract checks the field names ARCHITECTURE.md promises.
func TestStatusJSONContract(t *testing.T) {
	path, w, clk := simConfig(t)
	w.Step(clk.Advance(30 * time.Second))
	code, out, stderr := runCmd(t, "--config", path, "status", "--json")
	if code != exitOK {
		t.Fatalf("status exit %d: %s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"generated_at", "services", "approvals"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("missing top-level %q", k)
		}
	}
	services := doc["services"].([]any)
	if len(services) < 4 {
		t.Fatalf("services: %d", len(services))
	}
	svc := services[0].(map[string]any)
	for _, k := range []string{"name", "environments", "pipelines"} {
		if _, ok := svc[k]; !ok {
			t.Errorf("service lacks %q", k)
		}
	}
	env := svc["environments"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "target", "version", "state", "deployment", "stale", "error"} {
		if _, ok := env[k]; !ok {
			t.Errorf("environment lacks %q: %v", k, env)
		}
	}
	ver := env["version"].(map[string]any)
	for _, k := range []string{"sha", "artifact", "revision"} {
		if _, ok := ver[k]; !ok {
			t.Errorf("version lacks %q", k)
		}
	}
	if sha, _ := ver["sha"].(string); len(sha) < 7 {
		t.Errorf("version sha %q", sha)
	}
	states := map[string]bool{"steady": true, "deploying": true, "failed": true, "rolled_back": true, "unknown": true}
	for _, s := range services {
		for _, e := range s.(map[string]any)["environments"].([]any) {
			if st := e.(map[string]any)["state"].(string); !states[st] {
				t.Errorf("state %q is not in the contract", st)
			}
		}
	}
}

func TestStatusText(t *testing.T) {
	path, _, _ := simConfig(t)
	code, out, stderr := runCmd(t, "--config", path, "status")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"SERVICE", "ENVIRONMENT", "production", "staging"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

func TestStatusFailsWhenEndpointIsDown(t *testing.T) {
	path, _, _ := simConfig(t)
	raw, _ := os.ReadFile(path)
	// Point the config at a closed port.
	srv := httptest.NewServer(nil)
	dead := srv.URL
	srv.Close()
	broken := strings.ReplaceAll(string(raw), extractEndpoint(t, string(raw)), dead)
	_ = os.WriteFile(path, []byte(broken), 0o600)
	code, out, stderr := runCmd(t, "--config", path, "status", "--timeout", "3s")
	if code != exitFailed {
		t.Fatalf("want exit 1, got %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "could not be read") || !strings.Contains(out, "connect") {
		t.Errorf("status should print what failed:\nout:%s\nerr:%s", out, stderr)
	}
}

func extractEndpoint(t *testing.T, cfg string) string {
	t.Helper()
	for _, line := range strings.Split(cfg, "\n") {
		if i := strings.Index(line, "endpoint_url:"); i >= 0 {
			return strings.Trim(strings.TrimSpace(line[i+len("endpoint_url:"):]), `"'`)
		}
	}
	t.Fatal("no endpoint_url in sim config")
	return ""
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("refresh: soon\nservices:\n  - name: api\n    environments:\n      - name: staging\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"deploy-everything"}, exitUsage, "unknown command"},
		{"unknown flag", []string{"status", "--jsn"}, exitUsage, "unknown flag"},
		{"missing config", []string{"--config", "/nonexistent/flightdeck.yaml", "status"}, exitUsage, "/nonexistent/flightdeck.yaml"},
		{"config errors all at once", []string{"--config", bad, "status"}, exitUsage, "refresh"},
		{"bad speed", []string{"demo", "--speed", "0"}, exitUsage, "--speed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
		})
	}
	// The config error lists both problems, not just the first.
	_, _, stderr := runCmd(t, "--config", bad, "status")
	if !strings.Contains(stderr, "refresh") || !strings.Contains(stderr, "target") {
		t.Errorf("want every config problem reported:\n%s", stderr)
	}
}

func TestHelpMentionsEveryCommand(t *testing.T) {
	code, out, _ := runCmd(t, "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"demo", "sim", "status", "--config", "--no-color", "--read-only"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// TestStatusJSONShowsRollback walks the demo world forward until the
// circuit breaker has rolled a deploy back, and checks that status --json
// says rolled_back with the deployment that failed, never steady.
func TestStatusJSONShowsRollback(t *testing.T) {
	path, w, clk := simConfig(t)
	start := clk.Now()
	var seen string
	for step := 0; step < 120 && seen == ""; step++ {
		clk.Set(start.Add(time.Duration(step) * 5 * time.Second))
		w.Step(clk.Now())
		code, out, stderr := runCmd(t, "--config", path, "status", "--json")
		if code != exitOK {
			t.Fatalf("status exit %d: %s", code, stderr)
		}
		var doc struct {
			Services []struct {
				Name         string `json:"name"`
				Environments []struct {
					Name       string         `json:"name"`
					State      string         `json:"state"`
					Version    map[string]any `json:"version"`
					Deployment map[string]any `json:"deployment"`
				} `json:"environments"`
			} `json:"services"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Services {
			for _, e := range s.Environments {
				if d := e.Deployment; d != nil {
					for _, k := range []string{"from_sha", "to_sha", "running", "desired", "started_at"} {
						if _, ok := d[k]; !ok {
							t.Fatalf("%s/%s deployment lacks %q: %v", s.Name, e.Name, k, d)
						}
					}
				}
				if e.State == "rolled_back" {
					d := e.Deployment
					if d == nil || d["rollback"] != "done" || d["from_sha"] == d["to_sha"] || d["to_sha"] != e.Version["sha"] {
						t.Fatalf("%s/%s rolled back without the failed deployment: %v (version %v)", s.Name, e.Name, d, e.Version)
					}
					seen = s.Name + "/" + e.Name
				}
			}
		}
	}
	if seen == "" {
		t.Fatal("no circuit-breaker rollback within 10 simulated minutes")
	}
	t.Logf("rolled back: %s", seen)
}

// Without a terminal the dashboard says so and points at status, exit 2,
// before it reads anything.
func TestDashboardNeedsATerminal(t *testing.T) {
	// Stdin a pipe, whatever the terminal `go test` was started from.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	stdin := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = stdin }()
	code, _, stderr := runCmd(t, "demo")
	if code != exitUsage || !strings.Contains(stderr, "the dashboard needs a terminal") || !strings.Contains(stderr, "flightdeck status") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	for _, c := range []struct {
		term          string
		stdin, stdout bool
		want          string
	}{
		{"xterm-256color", true, true, ""},
		{"dumb", true, true, "TERM=dumb"},
		{"xterm", false, true, "stdin is not a terminal"},
		{"xterm", true, false, "stdout is not a terminal"},
	} {
		if got := noTerminal(c.term, c.stdin, c.stdout); !strings.Contains(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("noTerminal(%q, %v, %v) = %q, want %q", c.term, c.stdin, c.stdout, got, c.want)
		}
	}
}
