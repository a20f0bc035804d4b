// Package termsafe is flightdeck's one boundary for outside text: names,
// messages, errors and ids from an API, a config or the audit log. Such
// text is data; on its way to a terminal it loses every control it
// carries and every credential (package secret), and nothing else:
//
//   - Line and Block make one string printable: C0 controls become their
//     visible pictures (ESC shows as ␛), C1 controls, invalid bytes, bidi
//     overrides and isolates, zero-width and other format characters
//     become U+FFFD (a placeholder, never nothing: "prod\u200b" must not
//     pass for "prod");
//   - Clean does that to every string of a value (the TUI admits what
//     providers answer through it), whatever its fields;
//   - Frame is the last pass over a whole TUI frame: only the colour
//     sequences flightdeck itself draws survive;
//   - Writer and EncodeJSON are the headless commands' stdout and stderr.
//     JSON stays exact: what JSON may carry raw but a terminal would obey
//     is written as a \u escape.
package termsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/airside-dev/flightdeck/secret"
)

// Placeholder stands for a character that is not shown.
const Placeholder = '\uFFFD'

// mode says which of the few controls a kind of output keeps.
type mode uint8

const (
	// keepNewline keeps '\n' (and turns "\r\n" and a lone '\r' into it).
	keepNewline mode = 1 << iota
	// keepTab keeps '\t' (tabwriter tables).
	keepTab
	// keepSGR keeps well-formed colour sequences (ESC [ params m).
	keepSGR
	// keepLinks keeps the hyperlinks flightdeck drew itself (Link): OSC 8
	// carrying this process's link id, and the sequence that ends a link.
	keepLinks
	// spaceWhitespace turns the white-space controls into one space each.
	spaceWhitespace
)

// Line makes s safe to print on one line: line breaks and tabs become
// spaces, other controls their pictures or the placeholder, and secrets
// are scrubbed.
func Line(s string) string { return sanitize(secret.Scrub(s), spaceWhitespace) }

// Block is Line for text of several lines (a log's tail, a long event):
// newlines stay, tabs become spaces.
func Block(s string) string { return sanitize(secret.Scrub(s), keepNewline|spaceWhitespace) }

// Frame is the last pass over a TUI frame before Bubble Tea writes it:
// newlines and the colour sequences lipgloss draws stay; any other escape
// sequence (a window title, the clipboard, a hyperlink, cursor moves) is
// defused, and secrets are scrubbed. Outside text reaching a frame was
// cleaned already (Clean); this pass makes a field that was missed show
// its escapes instead of obeying them.
func Frame(s string) string { return sanitize(secret.Scrub(s), keepNewline|keepSGR|keepLinks) }

// sanitize rewrites s per m. It returns s itself, without allocating,
// when there is nothing to change.
func sanitize(s string, m mode) string {
	i := firstUnsafe(s, m)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	prev := rune(0)
	if i > 0 {
		prev, _ = utf8.DecodeLastRuneInString(s[:i])
	}
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f {
				j++
			}
			b.WriteString(s[i:j])
			prev = rune(s[j-1])
			i = j
			continue
		}
		if c == 0x1b && m&keepSGR != 0 {
			if n := sgrLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		if c == 0x1b && m&keepLinks != 0 {
			if n := linkLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 && r == utf8.RuneError {
			b.WriteRune(Placeholder) // an invalid byte: a lone 0x9b is CSI to some terminals
			prev = Placeholder
			i++
			continue
		}
		next := rune(0)
		if i+size < len(s) {
			next, _ = utf8.DecodeRuneInString(s[i+size:])
		}
		switch {
		case r == '\r' && m&keepNewline != 0:
			if next != '\n' {
				b.WriteByte('\n')
			}
		case r == '\n' && m&keepNewline != 0, r == '\t' && m&keepTab != 0:
			b.WriteRune(r)
		case isWhitespaceControl(r) && m&spaceWhitespace != 0:
			b.WriteByte(' ')
		case r < 0x20:
			b.WriteRune(0x2400 + r) // ␀ … ␟, ␛ for ESC
		case r == 0x7f:
			b.WriteRune('\u2421') // ␡
		case r == '\u200d' && joinsPictographs(prev, next):
			b.WriteRune(r) // an emoji sequence: 👩‍💻 is one glyph
		case hidden(r):
			b.WriteRune(Placeholder)
		default:
			b.WriteString(s[i : i+size])
		}
		prev = r
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte that sanitize may change, or
// len(s). Plain ASCII is the common case and costs one comparison a byte.
func firstUnsafe(s string, m mode) int {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			i++
		case c == '\n' && m&keepNewline != 0, c == '\t' && m&keepTab != 0:
			i++
		case c == 0x1b && m&keepSGR != 0 && sgrLen(s[i:]) > 0:
			i += sgrLen(s[i:])
		case c == 0x1b && m&keepLinks != 0 && linkLen(s[i:]) > 0:
			i += linkLen(s[i:])
		case c < 0x80:
			return i
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if (size == 1 && r == utf8.RuneError) || hidden(r) || r == '\u200d' {
				return i
			}
			i += size
		}
	}
	return len(s)
}

// isWhitespaceControl is a control that only moves the cursor along text.
func isWhitespaceControl(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// hidden reports a character a terminal would obey or not draw: C1
// controls, line and paragraph separators, and the format characters
// (bidi overrides and isolates, zero-width spaces and joiners, the BOM,
// soft hyphen, invisible operators, tag characters).
func hidden(r rune) bool {
	switch {
	case r < 0xa0:
		return r >= 0x80
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// joinsPictographs says whether a zero-width joiner sits inside an emoji
// sequence (both neighbours symbols outside Latin text), where terminals
// draw the sequence as one glyph; elsewhere it only hides.
func joinsPictographs(prev, next rune) bool {
	pict := func(r rune) bool { return r >= 0x2190 && !unicode.IsLetter(r) && !hidden(r) }
	return pict(prev) && pict(next)
}

// sgrLen is the length of the colour sequence (ESC [ digits ; : m) at the
// start of s, or 0 when s does not start with one.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case (c >= '0' && c <= '9') || c == ';' || c == ':':
		default:
			return 0
		}
	}
	return 0
}
