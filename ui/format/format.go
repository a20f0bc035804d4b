// Package format turns durations, progress and text into the short strings
// the screens draw. Everything here is pure and allocation-light, because
// the board calls it for every visible cell on every frame.
package format

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"
)

// Age is a compact duration: "12s", "4m", "3h", "2d".
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
}

// Since is Age(now - t), or "" for a zero time.
func Since(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Age(now.Sub(t))
}

// Bar draws a progress bar of width cells: ▓ done, ░ to go.
func Bar(done, total, width int) string {
	if width <= 0 {
		return ""
	}
	if total <= 0 {
		return strings.Repeat("░", width)
	}
	if done > total {
		done = total
	}
	if done < 0 {
		done = 0
	}
	n := done * width / total
	return strings.Repeat("▓", n) + strings.Repeat("░", width-n)
}

// Width is the number of cells s takes on screen, skipping ANSI escape
// sequences. It is a cheaper ansi.StringWidth for the board's text, which is
// ASCII plus single-codepoint glyphs; text that needs grapheme clustering
// (emoji with a variation selector or joiner, flags, skin tones: common in
// commit subjects) is measured by ansi.StringWidth, as ansi.Truncate cuts it.
func Width(s string) int {
	w := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			i = skipEscape(s, i)
		case c < utf8.RuneSelf:
			w++
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if clusters(r) {
				return ansi.StringWidth(s)
			}
			w += runewidth.RuneWidth(r)
			i += n
		}
	}
	return w
}

// clusters reports whether r joins or changes the characters around it, so
// that summing the widths of single runes would be wrong.
func clusters(r rune) bool {
	switch {
	case r == 0x200d, r == 0x20e3: // zero width joiner, keycap
		return true
	case r >= 0xfe00 && r <= 0xfe0f: // variation selectors
		return true
	case r >= 0x1f000: // emoji, flags, skin tones, tags
		return true
	}
	return false
}

// skipEscape returns the index just past the escape sequence at s[i].
func skipEscape(s string, i int) int {
	i++
	if i < len(s) && s[i] == '[' { // CSI: parameters, then a final byte @..~
		for i++; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return i
	}
	return min(i+1, len(s))
}

// Fit pads or truncates s (which may hold ANSI styling) to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// Col fits s into a table column w cells wide whose last two cells are
// the gap before the next column, so a long value never runs into it.
func Col(s string, w int) string {
	if w <= 2 {
		return ""
	}
	return Fit(s, w-2) + "  "
}

// Truncate shortens plain or styled text to at most w cells.
func Truncate(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// TruncateLeft keeps the end of plain text, where an image reference keeps
// its tag: "…/payments:2a903bf".
func TruncateLeft(s string, w int) string {
	if w <= 1 || Width(s) <= w {
		return s
	}
	r := []rune(s)
	return "…" + string(r[len(r)-(w-1):])
}

// Span is a duration in its two largest units, for how long something
// ran: "3d 1h", "4d", "2h 5m", "12m", "40s".
func Span(d time.Duration) string {
	if d < time.Minute {
		return Age(d)
	}
	type unit struct {
		d    time.Duration
		name string
	}
	units := []unit{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}}
	for i, u := range units {
		if d < u.d {
			continue
		}
		out := strconv.Itoa(int(d/u.d)) + u.name
		if i+1 < len(units) {
			next := units[i+1]
			if r := (d % u.d) / next.d; r > 0 {
				out += " " + strconv.Itoa(int(r)) + next.name
			}
		}
		return out
	}
	return Age(d)
}

// bylineSubject is the least of a subject a byline keeps before it drops
// the author: what a commit is matters more than who wrote it.
const bylineSubject = 20

// Byline is a commit's subject and its author in at most w cells:
// "Fix the login redirect · Ada Lovelace". The subject is shortened first,
// down to bylineSubject cells; below that the author is left out.
func Byline(subject, author string, w int) string {
	subject = strings.Join(strings.Fields(subject), " ")
	switch {
	case author == "":
		return Truncate(subject, w)
	case subject == "":
		return Truncate(author, w)
	}
	tail := " · " + author
	room := w - Width(tail)
	if room < min(bylineSubject, Width(subject)) {
		return Truncate(subject, w)
	}
	return Truncate(subject, room) + tail
}

// sparks are the eight heights of a sparkline cell, lowest first.
var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width values of series, one cell each, scaled
// from the lowest to the highest shown, as sparklines are: the shape of
// the minutes, the numbers beside it. A minute with no datapoint (NaN) is
// a space, so a gap in the metrics never reads as a low; a flat series is
// a flat line, at the bottom when it is zero.
func Sparkline(series []float64, width int) string {
	if width <= 0 || len(series) == 0 {
		return ""
	}
	if len(series) > width {
		series = series[len(series)-width:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range series {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	var b strings.Builder
	b.Grow(len(series) * 3)
	for _, v := range series {
		switch {
		case math.IsNaN(v):
			b.WriteByte(' ')
		case hi == lo && v <= 0:
			b.WriteRune(sparks[0])
		case hi == lo:
			b.WriteRune(sparks[len(sparks)/2-1])
		default:
			i := int((v-lo)/(hi-lo)*float64(len(sparks)-1) + 0.5)
			b.WriteRune(sparks[i])
		}
	}
	return b.String()
}
