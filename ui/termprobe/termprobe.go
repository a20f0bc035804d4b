// Package termprobe asks the terminal for its background colour, once,
// for the dashboard only, and never longer than a fraction of a second.
//
// Bubble Tea v1 asks at package init (tea_init.go calls
// lipgloss.HasDarkBackground), through termenv, which waits 5 s for an
// answer: every flightdeck command, `--help` and usage errors included,
// stalled 5 s on a terminal that does not answer, and wrote the query into
// a headless command's output. This package's init tells lipgloss the
// answer first, so that init asks nothing. It runs before Bubble Tea's
// because Go initialises packages in import-path order among those whose
// imports are ready (the spec, "Package initialization"): "github.com/airside-dev/flightdeck/…"
// sorts before "github.com/charmbracelet/bubbletea", and lipgloss, the
// only import here, is initialised before either. commands imports this
// package; TestNoTerminalQueryAtStart (commands/terminal_test.go) fails if the order
// ever changes (a module path renamed to sort after it).
package termprobe

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
)

func init() {
	// Dark is what the dashboard assumes until Dark below says otherwise.
	lipgloss.SetHasDarkBackground(true)
}

// Timeout bounds the dashboard's question: a local terminal answers in
// about a millisecond, one over ssh in a round trip.
const Timeout = 300 * time.Millisecond

// cursorReportEnds says whether b ends with a cursor position report
// (ESC [ row ; col R), which the terminal sends after any OSC 11 answer.
func cursorReportEnds(b []byte) bool {
	s := string(b)
	i := strings.LastIndex(s, "\x1b[")
	if i < 0 || !strings.HasSuffix(s, "R") {
		return false
	}
	row, col, ok := strings.Cut(s[i+2:len(s)-1], ";")
	return ok && digits(row) && digits(col)
}

func digits(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// parseOSC11 reads "ESC ] 11 ; rgb:RRRR/GGGG/BBBB" (1 to 4 hex digits a
// channel, ended by BEL or ST) out of a reply.
func parseOSC11(s string) ([3]float64, bool) {
	var rgb [3]float64
	i := strings.Index(s, "\x1b]11;rgb:")
	if i < 0 {
		return rgb, false
	}
	body := s[i+len("\x1b]11;rgb:"):]
	if end := strings.IndexAny(body, "\x07\x1b"); end >= 0 {
		body = body[:end]
	}
	parts := strings.Split(body, "/")
	if len(parts) != 3 {
		return rgb, false
	}
	for k, p := range parts {
		if len(p) < 1 || len(p) > 4 {
			return rgb, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return rgb, false
		}
		rgb[k] = float64(v) / float64(uint64(1)<<(4*len(p))-1)
	}
	return rgb, true
}

// luminance is the relative luminance of a colour (sRGB weights, without
// gamma: enough to tell dark from light).
func luminance(rgb [3]float64) float64 {
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}

// colorFGBG reads rxvt's COLORFGBG ("15;0": foreground 15 on background
// 0), which some terminals set: no question needed.
func colorFGBG(v string) (dark, ok bool) {
	if v == "" {
		return false, false
	}
	bg := v[strings.LastIndex(v, ";")+1:]
	n, err := strconv.Atoi(bg)
	if err != nil {
		return false, false
	}
	// The 16 ANSI colours: 0-6 and 8 are dark, 7 and 9-15 light.
	return n < 7 || n == 8, true
}
