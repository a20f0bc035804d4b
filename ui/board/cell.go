package board

import (
	"strconv"
	"strings"
	"time"

	"flightdeck/model"
	"flightdeck/ui/format"
	"flightdeck/ui/theme"
)

// cell renders one environment of one service in exactly w cells. Colour is
// applied only to the glyph and the bar, so the text reads the same without
// colour and the frame stays cheap to build.
func cell(st theme.Styles, e *model.EnvStatus, now time.Time, w int) string {
	if e.FetchedAt.IsZero() {
		switch {
		case e.Error != "":
			return format.Fit(st.P.Failed.Wrap(theme.GlyphFailed)+" "+ShortError(e.Error), w)
		case e.Unsupported != "":
			return format.Fit(st.P.Dim.Wrap(theme.GlyphUnknown+" "+e.Unsupported), w)
		}
		return format.Fit(st.P.Dim.Wrap(theme.GlyphUnknown+" loading"), w)
	}
	glyph, gs := st.StatePaint(e.State)
	head := e.Version.Short() + " " + gs.Wrap(glyph) + " "
	used := len(e.Version.Short()) + 3
	warn, warnW := "", 0
	if e.BlueGreen != nil {
		warn, warnW = " "+st.P.Dim.Wrap(theme.GlyphPair), 2
	}
	if e.Error != "" {
		warn, warnW = warn+" "+st.P.Warn.Wrap(theme.GlyphWarn), warnW+2
	}
	if e.Stale {
		// Old data says so before anything else, so no width cuts it off;
		// its age and progress are old too, so they are left out.
		return format.Fit(st.P.Dim.Wrap(e.Version.Short()+" "+glyph+" stale")+warn, w)
	}
	var b strings.Builder
	b.WriteString(head)
	d := e.Deployment
	switch {
	case e.Moving() && d != nil && d.Desired > 0:
		count := strconv.Itoa(d.Running) + "/" + strconv.Itoa(d.Desired)
		label := ""
		if d.Rollback == model.RollbackInProgress {
			label = "rollback "
		}
		// The words carry the meaning; the bar is drawn only where it fits.
		b.WriteString(label)
		if barW := min(10, w-used-len(label)-len(count)-1-warnW); barW >= 3 {
			b.WriteString(st.P.Bar.Wrap(format.Bar(d.Running, d.Desired, barW)))
			b.WriteByte(' ')
		}
		b.WriteString(count)
	case e.State == model.StateFailed && d != nil && d.Rollback == model.RollbackFailed:
		b.WriteString("rollback failed")
	case e.State == model.StateFailed:
		b.WriteString("failed")
	case e.State == model.StateRolledBack:
		b.WriteString("rolled back")
	case e.Health.Bad():
		// Red or Severe shows whatever the deploy state says.
		b.WriteString(st.P.Failed.Wrap(theme.GlyphFailed) + " " + healthWord(e.Health))
	default:
		b.WriteString(format.Since(now, e.Since))
	}
	b.WriteString(warn)
	return format.Fit(b.String(), w)
}

// healthWord is the platform's word for an environment's health: the
// enhanced status where there is one, else the colour.
func healthWord(h *model.Health) string {
	if h.Status != "" {
		return h.Status
	}
	return h.Color
}

// ShortError keeps the end of a wrapped error chain, which is where the
// provider's own words are ("…: Cluster not found."), for a narrow cell.
func ShortError(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

func itoa(n int) string { return strconv.Itoa(n) }
