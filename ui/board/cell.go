package board

import (
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// cell renders one environment of one service in exactly w cells. Colour is
// applied only to the glyph and the bar, so the text reads the same without
// colour and the frame stays cheap to build.
func cell(st theme.Styles, e *model.EnvStatus, now time.Time, w int, link string) string {
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
	// The SHA links to its commit where the terminal shows links (Link
	// draws nothing extra where link is "").
	head := termsafe.Link(link, e.Version.Short()) + " " + gs.Wrap(glyph) + " "
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
	case e.Canary != nil && (e.Moving() || inForce(e.Canary)):
		// Traffic, not tasks, is what moves in a canary or a native
		// blue/green: the weight and what ends the stage, and a canary
		// judged worse says so first.
		if e.Canary.Verdict.Word == model.VerdictWorse {
			b.WriteString(st.P.Warn.Wrap(theme.GlyphWarn) + " ")
			used += 2
		}
		b.WriteString(canaryText(e, now, w-used-warnW))
	case e.Moving() && d != nil && d.Desired > 0:
		count := strconv.Itoa(d.Running) + "/" + strconv.Itoa(d.Desired)
		label := ""
		if d.Rollback == model.RollbackInProgress {
			label = word(w-used-warnW-len(count)-1, "rollback", "rb") + " "
		}
		// The words carry the meaning; the bar is drawn only where it fits.
		b.WriteString(label)
		if barW := min(10, w-used-len(label)-len(count)-1-warnW); barW >= 3 {
			b.WriteString(st.P.Bar.Wrap(format.Bar(d.Running, d.Desired, barW)))
			b.WriteByte(' ')
		}
		b.WriteString(count)
	case e.State == model.StateFailed && d != nil && d.Rollback == model.RollbackFailed:
		b.WriteString(word(w-used-warnW, "rollback failed", "rb failed", "rb fail", "rb"))
	case e.State == model.StateFailed:
		b.WriteString(word(w-used-warnW, "failed", "fail"))
	case e.State == model.StateRolledBack:
		b.WriteString(word(w-used-warnW, "rolled back", "back", "rb"))
	case e.Health.Bad():
		// Red or Severe shows whatever the deploy state says.
		b.WriteString(st.P.Failed.Wrap(theme.GlyphFailed) + " " + healthWord(e.Health))
	default:
		b.WriteString(format.Since(now, e.Since))
	}
	b.WriteString(warn)
	return format.Fit(b.String(), w)
}

// word is the longest of a state's words (longest first) that fits in w
// cells, else the shortest: a state is said by a shorter word, never cut
// ("rolled back" → "back" → "rb", with its ↺ before it).
func word(w int, words ...string) string {
	for _, s := range words {
		if format.Width(s) <= w {
			return s
		}
	}
	return words[len(words)-1]
}

// inForce says a canary steady on its own (one on a listener, which no
// deploy moves) takes part of the traffic, or waits to start with a new
// version.
func inForce(c *model.Canary) bool {
	return c.Weight > 0 && c.Weight < 100 || c.Stage == "not started"
}

// canaryText is a canary's short form in at most w cells where it can:
// "canary 10% · bake 4m", "blue/green 0% · paused", "canary 100% ·
// cleaning up"; in a narrow cell "b/g 0% · paused", "canary 10% bake 4m".
func canaryText(e *model.EnvStatus, now time.Time, w int) string {
	c := e.Canary
	word, short := "canary", "canary"
	if len(c.Steps) == 1 && c.Source == "ecs" {
		word, short = "blue/green", "b/g"
	}
	if c.Stage == "not started" && c.Weight == 0 {
		// a new version waits for its first step
		if w < len("canary ready") {
			return "ready"
		}
		return "canary ready"
	}
	weight := " " + strconv.Itoa(c.Weight) + "%"
	stage := ""
	switch {
	case len(e.Gates) > 0:
		stage = "paused"
	case !c.EndsAt.IsZero() && c.EndsAt.After(now):
		left := c.EndsAt.Sub(now)
		if left >= time.Minute {
			left = left.Round(time.Minute)
		}
		stage = "bake " + format.Age(left)
	case c.Stage != "" && c.Stage != "canary": // the word says it already
		stage = stageWord(c.Stage)
	}
	if c.Verdict.Word == model.VerdictWorse {
		stage = "worse"
	}
	if stage == "" {
		if format.Width(word+weight) > w {
			return weight[1:]
		}
		return word + weight
	}
	// Narrowest: the weight alone, after the cell's ◐ (docs/screens.md).
	tries := []string{word + weight + " · " + stage, short + weight + " · " + stage, short + weight + " " + stage, short + weight, weight[1:] + " " + stage, weight[1:]}
	for _, t := range tries {
		if format.Width(t) <= w {
			return t
		}
	}
	return tries[len(tries)-1]
}

// stageWord is a provider's stage name in the cell's words.
func stageWord(stage string) string {
	switch stage {
	case "SCALE_UP", "PRE_SCALE_UP", "POST_SCALE_UP", "RECONCILE_SERVICE":
		return "scaling up"
	case "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT":
		return "test traffic"
	case "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT":
		return "shifting"
	case "BAKE_TIME":
		return "bake"
	case "CLEAN_UP":
		return "cleaning up"
	}
	return strings.ToLower(strings.ReplaceAll(stage, "_", " "))
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
