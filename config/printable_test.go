package config

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	tests := map[string]string{
		"api":                      "api",
		"é ✓ 🚀 日本":                 "é ✓ 🚀 日本",
		`back\slash "quoted"`:      `back\slash "quoted"`,
		"\x1b]52;c;aGk=\a":         `\x1b]52;c;aGk=\a`,
		"\x1b[2J\x1b[H":            `\x1b[2J\x1b[H`,
		"nul\x00 del\x7f c1\u009b": `nul\x00 del\x7f c1\u009b`,
		"tab\tline\nbreak\r":       `tab\tline\nbreak\r`,
		"evil\u202egnp.exe":        `evil\u202egnp.exe`,
		"iso\u2066late\u2069":      `iso\u2066late\u2069`,
		"zero\u200bwidth\ufeff":    `zero\u200bwidth\ufeff`,
		"nbsp\u00a0 ls\u2028":      `nbsp\u00a0 ls\u2028`,
		"bad \xff\xfe utf8":        `bad \xff\xfe utf8`,
		"replacement \ufffd stays": "replacement \ufffd stays",
	}
	for in, want := range tests {
		got := printable(in)
		if got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
		if again := printable(got); again != got {
			t.Errorf("printable is not idempotent on %q: %q", got, again)
		}
	}
}

// A config whose names and keys carry escape sequences, bidi overrides and
// NUL: every problem is reported, and the error text, as main prints it,
// holds no character that does not print as itself.
func TestHostileNamesPrintedEscaped(t *testing.T) {
	src := `services:
  - name: "api\e]52;c;aGk=\a"
    environments:
      - name: "prod\u202E"
        ecs: { cluster: c, service: s }
      - name: "st\0age"
        ecs: { cluster: c, service: s }
  - name: web
    ci: { provider: "circle\eci" }
    "\e[2Jnotes": 1
`
	ps := problems(t, src)
	checkProblems(t, ps, []want{
		{"services[0].name", 2, 0, `service name "api\x1b]52;c;aGk=\a" holds U+001B; a name may hold only characters that print as themselves`},
		{"services[0].environments[0].name", 4, 0, `environment name "prod\u202e" holds U+202E`},
		{"services[0].environments[1].name", 6, 0, `environment name "st\x00age" holds U+0000`},
		{"services[1].ci.provider", 9, 0, `unknown CI provider "circle\x1bci"`},
		{"services[1].\x1b[2Jnotes", 10, 0, `unknown key "\x1b[2Jnotes"`},
	})

	text := newErrors("con\x1bfig.yaml", ps).Error()
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexFunc(line, unprintable); i >= 0 {
			t.Errorf("unprintable %q at %d in %q", line[i:i+1], i, line)
		}
	}
	for _, s := range []string{`con\x1bfig.yaml:2:`, `services[1].\x1b[2Jnotes: unknown key`, `"prod\u202e"`, `"st\x00age"`} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing from:\n%s", s, text)
		}
	}
}

func TestNamesMustPrintAsThemselves(t *testing.T) {
	for _, name := range []string{`api\t`, `a\u200Bpi`, `a\u2066pi`, `a\u00A0pi`, `\x7F`, `a\u0085b`} {
		src := "services:\n  - name: \"" + name + "\"" + okEnvs
		checkProblems(t, problems(t, src), []want{{"services[0].name", 2, 0, "a name may hold only characters that print as themselves"}})
	}
	for _, name := range []string{"api", "api-2", "Ünïcödé", "日本", "🚀 rocket", "a b"} {
		src := "services:\n  - name: \"" + name + "\"" + okEnvs
		if _, err := parse([]byte(src), "config.yaml", testEnv); err != nil {
			t.Errorf("name %q: %v", name, err)
		}
	}
}
