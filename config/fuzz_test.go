package config

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse panic, and that it returns
// exactly one of a Config or an *Errors with at least one problem.
func FuzzParse(f *testing.F) {
	if example, err := os.ReadFile("../config.example.yaml"); err == nil {
		f.Add(example)
	}
	seeds := []string{
		"",
		"services:\n  - name: api\n    environments:\n      - name: s\n        ecs: { cluster: c, service: s }\n",
		"refresh: 10\nservices: {}\n",
		"services:\n  - name: api\n    ci: { provider: jenkins\n",
		"x-a: &a { <<: *a }\nservices:\n  - <<: *a\n",
		"x-a: &a [*a]\nservices: *a\n",
		"services: *nope\n",
		"- 1\n- 2\n",
		"? [a]\n: b\n",
		"a: 1\n---\nb: 2\n",
		"services:\n  - name: api\n    environments:\n      - name: p\n        canary: { steps: [0, 101, 99999999999999999999, -1] }\n",
		"refresh: !!binary aGVsbG8=\nread_only: !custom yes\n",
		"services:\n- &s {name: a, ci: {provider: circleci, project: gh/a/b}}\n- *s\n",
		"\"unterminated\n",
		"\t- tab\n",
		// The shapes the limits look at (limits.go).
		"[[[[[[[[ {{{{ ]]]] }}}}\n",
		"- - - - ? - a\n",
		"a: !t\nb: &x !t\nc: 1\n",
		"{a, b: , \"c\":d, [e]: }\n",
		"---\na: 1\n...\n",
		"%YAML 1.2\n--- |\n  text\n",
		"x: |2-\n  [\n y: {\n",
		"'a''b[': \"c\\\"[\" # [\n",
		"k:\n-\n  -\nv:\n",
		"x-q: \"a\n  [b\n---\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzer has no per-input timeout; crash with the input rather
		// than stall silently if Parse (or the YAML parser) ever loops.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Parse still running after 10s on %q", data)) })
		defer watchdog.Stop()
		cfg, err := parse(data, "fuzz.yaml", testEnv)
		if err == nil {
			if cfg == nil {
				t.Fatal("nil Config and nil error")
			}
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) || len(errs.Problems) == 0 {
			t.Fatalf("error %T %v is not an *Errors with problems", err, err)
		}
		if cfg != nil {
			t.Fatal("Config returned alongside problems")
		}
		_ = errs.Error()
	})
}
