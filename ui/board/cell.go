package board

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flightdeck/model"
	"flightdeck/ui/format"
	"flightdeck/ui/theme"
)

// cell renders one environment of one service in exactly w cells. Colour is
// applied only to the glyph and the bar, so the text reads the same without
// colour and the frame stays cheap to build.
func cell(st theme.Styles, e *model.EnvStatus, now time.Time, w int) string {
	if e.FetchedAt.IsZero() {
		if e.Error != "" {
			return format.Fit(st.P.Failed.Wrap(theme.GlyphFailed)+" "+ShortError(e.Error), w)
		}
		return format.Fit(st.P.Dim.Wrap(theme.GlyphUnknown+" loading"), w)
	}
	glyph, gs := st.StatePaint(e.State)
	var b strings.Builder
	b.WriteString(e.Version.Short())
	b.WriteByte(' ')
	b.WriteString(gs.Wrap(glyph))
	b.WriteByte(' ')
	used := len(e.Version.Short()) + 3
	suffix := ""
	if e.Error != "" {
		suffix = " " + st.P.Warn.Wrap(theme.GlyphWarn)
	}
	if e.Stale {
		suffix += " stale"
	}
	sufW := 0
	if e.Error != "" {
		sufW += 2
	}
	if e.Stale {
		sufW += 6
	}
	switch e.State {
	case model.StateDeploying, model.StateFailed:
		if d := e.Deployment; d != nil && d.Desired > 0 && (e.State == model.StateDeploying || e.Moving()) {
			count := strconv.Itoa(d.Running) + "/" + strconv.Itoa(d.Desired)
			label := ""
			if e.State == model.StateFailed {
				label = "rollback "
			}
			barW := w - used - len(label) - len(count) - 1 - sufW
			if barW > 10 {
				barW = 10
			}
			if barW >= 3 {
				b.WriteString(label)
				b.WriteString(st.P.Bar.Wrap(format.Bar(d.Running, d.Desired, barW)))
				b.WriteByte(' ')
			}
			b.WriteString(count)
			break
		}
		if e.State == model.StateFailed {
			b.WriteString("failed")
		}
	case model.StateRolledBack:
		b.WriteString("rolled back")
	default:
		b.WriteString(format.Since(now, e.Since))
	}
	b.WriteString(suffix)
	out := b.String()
	if e.Stale {
		// Dim the text as well as saying so: old data must not look current.
		out = st.P.Dim.Wrap(stripStyle(out))
	}
	return format.Fit(out, w)
}

// ShortError keeps the end of a wrapped error chain, which is where the
// provider's own words are ("…: Cluster not found."), for a narrow cell.
func ShortError(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

func stripStyle(s string) string { return ansi.Strip(s) }

func itoa(n int) string { return strconv.Itoa(n) }
