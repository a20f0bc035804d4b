package ecs

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidNameIsTheRegexp: validName accepts what ECS's documented
// pattern does, and nothing else.
func TestValidNameIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	for _, s := range []string{"", "a", "api_v2-blue", strings.Repeat("x", 255), strings.Repeat("x", 256),
		"a b", "a/b", "é", "a\x00", "prod\u200b", "-", "_", "Z9"} {
		if got, want := validName(s), re.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
	}
}
