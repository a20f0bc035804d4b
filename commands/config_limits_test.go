package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config over the limits, or with escape sequences in its names, is the
// config's fault: exit 2, the problem with its line, and nothing on stderr
// that drives the terminal.
func TestConfigLimitsExit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"nesting", write("deep.yaml", strings.Repeat("[", 100_000)), "deep.yaml:1:65: [ and { are nested more than 64 deep"},
		{"documents", write("docs.yaml", strings.Repeat("---\n", 200_000)), "docs.yaml:2:1: a second YAML document"},
		{"size", write("big.yaml", strings.Repeat("#\n", 1<<20)), "big.yaml: the file is 2097152 bytes"},
		{"names", write("names\x1b[31m.yaml", "services:\n  - name: \"api\\e]52;c;aGk=\\a\"\n    environments:\n      - name: \"prod\\u202E\"\n        ecs: { cluster: c, service: s }\n"),
			`names\x1b[31m.yaml:4:15: services[0].environments[0].name: environment name "prod\u202e" holds U+202E`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, "--config", tc.path, "status")
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
			for _, r := range stderr {
				if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u202e' {
					t.Errorf("stderr carries %U:\n%q", r, stderr)
				}
			}
		})
	}
}
