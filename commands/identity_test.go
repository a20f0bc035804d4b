package commands

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// Tests of what makes flightdeck an installed program (issue 18): the
// version, shell completion with names, the names cache, the man pages.

func TestIdentityFromBuildInfo(t *testing.T) {
	vcs := func(rev, at, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/airside-dev/flightdeck", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}}
	}
	installed := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/airside-dev/flightdeck", Version: "v1.4.0"}}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		name            string
		bi              *debug.BuildInfo
		ldv, ldc, ldd   string
		want            string
		version, commit string
		modified        bool
	}{
		{name: "no build info at all", want: "dev (", version: "dev"},
		{name: "go install @version", bi: installed, want: "v1.4.0 (go1.26.8, ", version: "v1.4.0"},
		{name: "a clean checkout", bi: vcs(rev, "2026-12-05T10:11:12Z", "false"),
			want: "dev (commit 0123456789ab of 2026-12-05 10:11 UTC, go1.26.8, ", version: "dev", commit: rev},
		{name: "a modified checkout", bi: vcs(rev, "2026-12-05T10:11:12+02:00", "true"),
			want: "dev (commit 0123456789ab-dirty of 2026-12-05 08:11 UTC, go1.26.8, ", version: "dev", commit: rev, modified: true},
		{name: "goreleaser without git", ldv: "v0.0.1-next", ldc: "none", ldd: "0001-01-01T00:00:00Z", want: "v0.0.1-next (go", version: "v0.0.1-next"},
		{name: "linker flags win over build info", bi: vcs("ffffffffffffffffffffffffffffffffffffffff", "2020-01-01T00:00:00Z", "true"),
			ldv: "v2.0.0", ldc: rev, ldd: "2026-12-01T00:00:00Z",
			want: "v2.0.0 (commit 0123456789ab of 2026-12-01 00:00 UTC, go1.26.8, ", version: "v2.0.0", commit: rev},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := identity(c.bi, c.ldv, c.ldc, c.ldd)
			if got := id.String(); !strings.HasPrefix(got, c.want) {
				t.Errorf("String() = %q, want it to start %q", got, c.want)
			}
			if id.Version != c.version || id.Commit != c.commit || id.Modified != c.modified {
				t.Errorf("identity = %+v, want version %q commit %q modified %v", id, c.version, c.commit, c.modified)
			}
		})
	}
}

func TestVersionFlagAndCommand(t *testing.T) {
	want := "flightdeck " + currentIdentity().String() + "\n"
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		code, out, stderr := runCmd(t, args...)
		if code != exitOK || out != want || stderr != "" {
			t.Errorf("%v: exit %d, out %q, stderr %q; want exit 0 and %q", args, code, out, stderr, want)
		}
	}
	// A linker flag is outside text: printed, it is shown, not obeyed.
	saved := version
	version = "v1\x1b]0;owned\a"
	_, out, _ := runCmd(t, "--version")
	_, js, _ := runCmd(t, "version", "--json")
	version = saved
	if !strings.HasPrefix(out, "flightdeck v1␛]0;owned␇ (") || strings.ContainsAny(js, "\x1b\a") || !strings.Contains(js, `"v1\u001b]0;owned\u0007"`) {
		t.Errorf("escape sequences in the version: text %q, JSON %s", out, js)
	}
	if code, out, _ := runCmd(t, "version", "--json", "version,go"); code != exitOK || strings.Contains(out, "platform") || !strings.Contains(out, `"go"`) {
		t.Errorf("version --json version,go: exit %d, %s", code, out)
	}
	code, out, _ := runCmd(t, "version", "--json")
	var doc map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &doc) != nil || doc["version"] != currentIdentity().Version || doc["go"] == "" {
		t.Errorf("version --json: exit %d, %s", code, out)
	}
}

func TestCompletionCommandVisible(t *testing.T) {
	_, help, _ := runCmd(t, "--help")
	if !strings.Contains(help, "\n  completion ") {
		t.Errorf("--help does not list completion:\n%s", help)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, stderr := runCmd(t, "completion", shell)
		if code != exitOK || stderr != "" {
			t.Fatalf("completion %s: exit %d: %s", shell, code, stderr)
		}
		// The script reaches stdout byte for byte through termsafe's writer.
		root := newRootCmd(streams{})
		var raw bytes.Buffer
		var err error
		switch shell {
		case "bash":
			err = root.GenBashCompletionV2(&raw, true)
		case "zsh":
			err = root.GenZshCompletion(&raw)
		case "fish":
			err = root.GenFishCompletion(&raw, true)
		}
		if err != nil || out != raw.String() {
			t.Errorf("completion %s differs from the script cobra makes (err %v)", shell, err)
		}
	}
}

// complete asks as a shell does and returns the words and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, stderr := runCmd(t, append([]string{"__complete"}, args...)...)
	if code != exitOK || stderr != "" {
		t.Fatalf("__complete %v: exit %d, stderr %q", args, code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var words []string
	for _, l := range lines[:len(lines)-1] {
		words = append(words, strings.SplitN(l, "\t", 2)[0])
	}
	return words, lines[len(lines)-1]
}

func TestCompleteNamesFromConfigAndLastPoll(t *testing.T) {
	path, w, clk := simConfig(t)
	w.Step(clk.Advance(30 * time.Second))
	// Before any poll: the config's names, nothing from a poll.
	svcs, dir := complete(t, "--config", path, "rollback", "")
	if len(svcs) < 4 || dir != ":4" || !slices.Contains(svcs, "api") {
		t.Fatalf("services: %v %s", svcs, dir)
	}
	if shas, _ := complete(t, "--config", path, "rollback", "api", "production", "--to", ""); len(shas) != 0 {
		t.Errorf("SHAs offered before any poll: %v", shas)
	}
	envs, _ := complete(t, "--config", path, "promote", "api", "--from", "")
	if !slices.Equal(envs, []string{"dev", "staging", "production"}) {
		t.Errorf("promote api --from: %v", envs)
	}
	if envs, _ := complete(t, "--config", path, "history", "api", "pro"); !slices.Equal(envs, []string{"production"}) {
		t.Errorf("history api pro: %v", envs)
	}

	code, out, stderr := runCmd(t, "--config", path, "status", "--json")
	if code != exitOK {
		t.Fatalf("status: exit %d %s", code, stderr)
	}
	var snap model.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatal(err)
	}
	api, _ := snap.Service("api")
	var prod string
	for _, e := range api.Environments {
		if e.Environment == "production" {
			prod = e.Version.SHA
		}
	}
	shas, _ := complete(t, "--config", path, "rollback", "api", "production", "--to", "")
	if prod == "" || !slices.Contains(shas, prod) {
		t.Errorf("rollback --to after status: %v, want production's %q among them", shas, prod)
	}
	if shas, _ := complete(t, "--config", path, "rollback", "api", "production", "--to", prod[:5]); !slices.Equal(shas, []string{prod}) {
		t.Errorf("--to %s: %v", prod[:5], shas)
	}
	var gates []string
	for _, g := range snap.Approvals {
		if g.Service == "api" {
			gates = append(gates, g.Gate)
		}
	}
	got, _ := complete(t, "--config", path, "approve", "api", "")
	for _, g := range gates {
		if !slices.Contains(got, g) {
			t.Errorf("approve api: %v, want the waiting gate %q", got, g)
		}
	}
	if len(gates) == 0 {
		t.Log("no gate waits in this world yet; gate names came from the pipelines only")
	}
}

func TestCompleteBrokenConfigSaysNothing(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("services: [\n  - name: \x1b]0;x\a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--config", broken, "rollback", ""},
		{"--config", broken, "rollback", "api", ""},
		{"--config", broken, "rollback", "api", "production", "--to", ""},
		{"--config", filepath.Join(dir, "missing.yaml"), "approve", ""},
		{"--config", broken, "promote", "api", "--to", ""},
	} {
		code, out, stderr := runCmd(t, append([]string{"__complete"}, args...)...)
		if code != exitOK || out != ":4\n" || stderr != "" {
			t.Errorf("__complete %v: exit %d, stdout %q, stderr %q; want only the directive", args, code, out, stderr)
		}
	}
}

func TestNamesCacheKeepsOnlySafeNames(t *testing.T) {
	const good = "0123456789abcdef0123456789abcdef01234567"
	snap := &model.Snapshot{
		Services: []model.ServiceState{
			{Name: "api", Environments: []model.EnvStatus{
				{Environment: "production", Version: model.Version{SHA: good}},
				{Environment: "stag ing", Version: model.Version{SHA: "not-a-sha"}},
				{Environment: "prod\x1b[2J", Version: model.Version{SHA: "abc"}},
			}, Pipelines: []model.Pipeline{{SHA: "$(touch /tmp/x)", Workflows: []model.Workflow{{Jobs: []model.Job{
				{Name: "hold-production", Approval: true}, {Name: "hold prod", Approval: true},
				{Name: "--rm", Approval: true}, {Name: "build", Approval: false}, {Name: "ok\u202e", Approval: true},
			}}}}}},
			{Name: "we b"},
			{Name: "`reboot`"},
		},
		Approvals: []model.Gate{{Service: "api", Gate: "hold-staging"}, {Service: "api", Gate: "it's;rm"}},
	}
	f := namesFrom("/c.yaml", snap, time.Now())
	if len(f.Services) != 1 {
		t.Fatalf("services kept: %+v", f.Services)
	}
	s := f.Services[0]
	if !slices.Equal(s.Environments, []string{"production"}) {
		t.Errorf("environments: %v", s.Environments)
	}
	if !slices.Equal(s.Gates, []string{"hold-staging", "hold-production"}) {
		t.Errorf("gates: %v", s.Gates)
	}
	if len(s.SHAs) != 1 || s.SHAs[0] != (namedSHA{SHA: good, Env: "production"}) {
		t.Errorf("shas: %+v", s.SHAs)
	}

	// A cache file written by someone else is checked again when read.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("services:\n  - name: api\n    environments:\n      - name: production\n        ecs: {cluster: c, service: s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hostile := namesFile{Services: []namedService{
		{Name: "api", Gates: []string{"ok-gate", "bad gate", "\x1b]52;c;x\a"}, SHAs: []namedSHA{{SHA: good}, {SHA: "zz;rm -rf"}}},
		{Name: "ghost", Gates: []string{"ghost-gate"}},
	}}
	b, _ := json.Marshal(hostile)
	p := namesPath(cfg, os.Getenv)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// approve takes a gate or the environment it guards: the cache's one
	// safe gate, then the config's environment.
	if got, _ := complete(t, "--config", cfg, "approve", "api", ""); !slices.Equal(got, []string{"ok-gate", "production"}) {
		t.Errorf("gates from a hostile cache: %v", got)
	}
	if got, _ := complete(t, "--config", cfg, "rollback", "api", "production", "--to", ""); !slices.Equal(got, []string{good}) {
		t.Errorf("SHAs from a hostile cache: %v", got)
	}
	if got, _ := complete(t, "--config", cfg, "approve", "ghost", ""); len(got) != 0 {
		t.Errorf("a service the config lacks: %v", got)
	}
}

// TestManPagesCurrent holds docs/man to the commands: --help and the man
// pages never say different things.
func TestManPagesCurrent(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "man", dir)
	if code != exitOK {
		t.Fatalf("man: exit %d %s", code, stderr)
	}
	const fix = "regenerate them with `go run . man docs/man` and commit docs/man"
	made, _ := filepath.Glob(filepath.Join(dir, "*"))
	kept, _ := filepath.Glob(filepath.Join("..", "docs", "man", "flightdeck*.1"))
	names := func(ps []string) []string {
		var out []string
		for _, p := range ps {
			out = append(out, filepath.Base(p))
		}
		return out
	}
	if !slices.Equal(names(made), names(kept)) {
		t.Fatalf("docs/man has %v, the commands make %v: %s", names(kept), names(made), fix)
	}
	for _, p := range made {
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join("..", "docs", "man", filepath.Base(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/man/%s is not what the commands make now: %s", filepath.Base(p), fix)
		}
	}
	root, _ := os.ReadFile(filepath.Join(dir, "flightdeck.1"))
	for _, want := range []string{".TH \"FLIGHTDECK\" \"1\" \"\"", "flightdeck-rollback(1)", "flightdeck-completion(1)"} {
		if !bytes.Contains(root, []byte(want)) {
			t.Errorf("flightdeck.1 lacks %q", want)
		}
	}
}

// TestE2EDashboardKeepsNamesOnQuit: the dashboard, quit with q, leaves
// the names it saw for completion.
func TestE2EDashboardKeepsNamesOnQuit(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	path, w, clk := simConfig(t)
	w.Step(clk.Advance(30 * time.Second))
	cache := t.TempDir()
	s := startSession(t, 120, 40, []string{"XDG_CACHE_HOME=" + cache, "CIRCLECI_TOKEN=sim", "GH_TOKEN=sim"}, bin, "--config", path)
	s.waitFor("the first frame with versions", 20*time.Second, func(sc string) bool {
		return regexp.MustCompile(`[0-9a-f]{7} [✓◐✗↺]`).MatchString(sc)
	})
	s.key("q")
	deadline := time.Now().Add(10 * time.Second)
	for s.alive() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if s.alive() {
		t.Fatalf("the dashboard did not quit on q:\n%s", s.capture())
	}
	getenv := func(k string) string {
		if k == "XDG_CACHE_HOME" {
			return cache
		}
		return os.Getenv(k)
	}
	b, err := os.ReadFile(namesPath(path, getenv))
	if err != nil {
		t.Fatalf("no names cache after the dashboard quit: %v", err)
	}
	var f namesFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var api *namedService
	for i := range f.Services {
		if f.Services[i].Name == "api" {
			api = &f.Services[i]
		}
	}
	if api == nil || !slices.Contains(api.Environments, "production") || len(api.SHAs) == 0 {
		t.Errorf("names kept: %+v", f.Services)
	}
}
