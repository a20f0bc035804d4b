package detail

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
)

// wrap cuts by cells, never inside a rune, at spaces where it can.
func TestWrapByCells(t *testing.T) {
	for _, s := range []string{
		"デプロイに失敗しました: タスクが起動できませんでした (exit 137, OutOfMemoryError)",
		"ECS deployment circuit breaker: tasks failed to start. " + strings.Repeat("é", 40),
		strings.Repeat("x", 95),
	} {
		lines := wrap(s, 20)
		if len(lines) < 2 {
			t.Errorf("%q was not wrapped: %q", s, lines)
		}
		for _, l := range lines {
			if !utf8.ValidString(l) || lipgloss.Width(l) > 20 {
				t.Errorf("line %q: valid %v, %d cells", l, utf8.ValidString(l), lipgloss.Width(l))
			}
		}
		if got := strings.Join(strings.Fields(strings.Join(lines, " ")), ""); got != strings.Join(strings.Fields(s), "") {
			t.Errorf("wrapping lost text:\n%q\n%q", got, s)
		}
	}
}
