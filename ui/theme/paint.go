package theme

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// Paint is a style reduced to the escape codes around one line of text.
// lipgloss.Style.Render measures, wraps and pads on every call; the board
// draws hundreds of short spans per frame, so the hot path wraps text in
// pre-rendered codes instead (same bytes for a single line, far cheaper).
type Paint struct{ pre, post string }

// NewPaint captures the codes a style puts around a single line.
func NewPaint(s lipgloss.Style) Paint {
	const mark = "\x00"
	out := s.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return Paint{}
	}
	return Paint{pre: out[:i], post: out[i+len(mark):]}
}

// Wrap paints one line of text.
func (p Paint) Wrap(s string) string {
	if p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// Paints is the hot-path subset of Styles.
type Paints struct {
	OK, Failed, Rolling, Warn, Hold, RolledBack, Unknown, Dim, Bar, Selected, SelectedCell, Header Paint
	// Reverse is reverse video whatever the colour profile: a selection
	// must show without colour (NO_COLOR, --no-color) too, and reverse
	// video is not colour.
	Reverse Paint
}

// reverse is SGR 7 and its reset, SGR 27, which leaves other attributes be.
var reverse = Paint{pre: "\x1b[7m", post: "\x1b[27m"}

func newPaints(s Styles) Paints {
	return Paints{
		OK: NewPaint(s.OK), Failed: NewPaint(s.Failed), Rolling: NewPaint(s.Rolling), Warn: NewPaint(s.Warn),
		Hold: NewPaint(s.Hold), RolledBack: NewPaint(s.RolledBack), Unknown: NewPaint(s.Unknown), Dim: NewPaint(s.Dim),
		Bar: NewPaint(s.Bar), Selected: NewPaint(s.Selected), SelectedCell: reverse, Reverse: reverse,
		Header: NewPaint(s.Header),
	}
}
