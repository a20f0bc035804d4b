// Package canary is the canary panel of one environment: the weights of
// the stable and canary sides and the steps between them, each side's
// requests, 5xx rate and p99 latency with a sparkline over the last
// minutes, the stage and its time left, and the verdict with the numbers
// behind it. It reads the environment's model.Canary from the snapshot on
// every frame and keeps only which environment it shows.
package canary

import (
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Decision is what a key asked the root model to do.
type Decision int

const (
	// Pending: nothing for the root to do.
	Pending Decision = iota
	// Back: close the panel.
	Back
)

// Model is the canary panel.
type Model struct {
	st           theme.Styles
	km           keys.KeyMap
	service, env string
	width        int
	height       int
	decided      Decision
}

// New opens the panel of one environment.
func New(st theme.Styles, km keys.KeyMap, service, env string) Model {
	return Model{st: st, km: km, service: service, env: env}
}

// SetKeys tells the panel which keys apply now (the root disables a
// promote or abort the planner refuses), so it offers only what works.
func (m *Model) SetKeys(km keys.KeyMap) { m.km = km }

// SetSize tells the panel how much room it has.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Target is the environment the panel shows, the one its keys act on.
func (m Model) Target() (service, env string) { return m.service, m.env }

// Update handles a key; promote and abort are the root's (they go through
// the planner), so only esc is the panel's own.
func (m Model) Update(msg tea.KeyMsg, _ screen.Context) (Model, tea.Cmd) {
	m.decided = Pending
	if key.Matches(msg, m.km.Back) {
		m.decided = Back
	}
	return m, nil
}

// Decision is what the last key decided.
func (m Model) Decision() Decision { return m.decided }

// ShortHelp is the footer while the panel is in front.
func (m Model) ShortHelp() []key.Binding {
	k := m.km
	return []key.Binding{k.CanaryPromote, k.CanaryAbort, k.Back, k.Refresh, k.Help, k.Quit}
}

// FullHelp is the ? overlay on the panel.
func (m Model) FullHelp() [][]key.Binding {
	k := m.km
	return [][]key.Binding{{k.CanaryPromote, k.CanaryAbort}, {k.Back, k.Audit}, {k.Refresh, k.Help, k.Quit}}
}

// Column widths: the row labels, and each side's value column at the
// panel's narrowest (80) and from 120 columns on.
const (
	labelW      = 11
	valueW      = 17
	wideValueW  = 26
	wideFrom    = 120
	weightBarW  = 40
	panelIndent = " "
)

// View draws the panel.
func (m Model) View(ctx screen.Context) string {
	w := max(40, m.width)
	var b strings.Builder
	line := func(s string) {
		b.WriteString(panelIndent)
		b.WriteString(strings.TrimRight(format.Truncate(s, w-len(panelIndent)), " "))
		b.WriteByte('\n')
	}
	title := m.st.PanelTitle.Render("Canary") + m.st.Dim.Render(" · ") + m.service + m.st.Dim.Render(" · ") + m.env
	e, ok := ctx.Snap.Env(model.EnvKey{Service: m.service, Environment: m.env})
	if !ok || e.Canary == nil {
		line(title)
		line("")
		line(m.st.Dim.Render(m.service + "/" + m.env + " has no canary in force: it finished, was rolled back, or has not been read yet."))
		return strings.TrimSuffix(b.String(), "\n")
	}
	c := e.Canary
	line(spread(title, m.stage(c, ctx), w-len(panelIndent)))
	line("")
	m.weights(c, w, line)
	line("")
	m.sides(c, w, line)
	line("")
	m.verdict(c, w, line)
	if c.Blocked != "" {
		line("")
		line(m.st.Warn.Render(theme.GlyphWarn+" cannot promote now: ") + c.Blocked)
	}
	if c.AbortBlocked != "" && c.AbortBlocked != c.Blocked {
		line(m.st.Warn.Render(theme.GlyphWarn+" cannot abort now: ") + c.AbortBlocked)
	}
	if e.Error != "" {
		line(m.st.Error.Render(theme.GlyphWarn+" last read failed: ") + e.Error)
	}
	if keys := m.keysLines(c); len(keys) > 0 {
		line("")
		for _, k := range keys {
			line(k)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// stage is the title's right side: who moves the weights, the stage and
// its time left.
func (m Model) stage(c *model.Canary, ctx screen.Context) string {
	parts := []string{c.Source}
	if c.Stage != "" {
		parts = append(parts, c.Stage)
	}
	if !c.EndsAt.IsZero() {
		if left := c.EndsAt.Sub(ctx.Now); left > 0 {
			parts = append(parts, "ends in "+format.Span(left))
		} else {
			parts = append(parts, "ending")
		}
	}
	return m.st.Dim.Render(strings.Join(parts, " · "))
}

// weights draws the split and the steps a promote walks through.
func (m Model) weights(c *model.Canary, w int, line func(string)) {
	cw := min(100, max(0, c.Weight))
	bar := min(weightBarW, max(10, w-50))
	n := (cw*bar + 50) / 100
	if cw > 0 && n == 0 {
		n = 1 // a canary with traffic always shows
	}
	split := m.st.Dim.Render(strings.Repeat("░", bar-n)) + m.st.Rolling.Render(strings.Repeat("▓", n))
	line(format.Fit("weights", labelW) + "stable " + pct(100-cw) + "  " + split + "  canary " + pct(cw))
	if len(c.Steps) == 0 {
		line(format.Fit("steps", labelW) + m.st.Dim.Render("set by "+c.Source))
		return
	}
	steps := make([]string, len(c.Steps))
	for i, s := range c.Steps {
		steps[i] = strconv.Itoa(s)
		if i == c.Step {
			steps[i] = m.st.Bold.Render("[" + steps[i] + "]")
		}
	}
	next := ""
	if nw := c.NextWeight(); nw > cw {
		next = m.st.Dim.Render("   next " + pct(nw))
	}
	line(format.Fit("steps", labelW) + strings.Join(steps, " → ") + " %" + next)
}

// sides draws the two sides as columns, each metric a row with its
// sparklines over the minutes the provider read.
func (m Model) sides(c *model.Canary, w int, line func(string)) {
	vw := valueW
	if w >= wideFrom {
		vw = wideValueW
	}
	minutes := max(len(c.Stable.RequestSeries), len(c.Canary.RequestSeries), len(c.Stable.LatencySeries), len(c.Canary.LatencySeries))
	room := w - len(panelIndent) - labelW - 2*vw
	spark := min(minutes, (room-3)/2)
	head := format.Fit("", labelW) + format.Col("stable", vw) + format.Col("canary", vw)
	if spark > 0 {
		head += "last " + strconv.Itoa(minutes) + " min: stable · canary"
	}
	line(m.st.Header.Render(head))
	row := func(label, stable, canary string, ss, cs []float64) {
		s := format.Fit(label, labelW) + format.Col(stable, vw) + format.Col(canary, vw)
		if spark > 0 && (ss != nil || cs != nil) {
			s += m.st.Bar.Render(pad(format.Sparkline(ss, spark), spark)) + m.st.Dim.Render(" · ") + m.st.Bar.Render(format.Sparkline(cs, spark))
		}
		line(s)
	}
	st, ca := c.Stable, c.Canary
	row("version", st.Version.Short(), ca.Version.Short(), nil, nil)
	if st.Target != "" || ca.Target != "" {
		row("target", format.TruncateLeft(st.Target, vw-2), format.TruncateLeft(ca.Target, vw-2), nil, nil)
	}
	row("requests", count(st), count(ca), st.RequestSeries, ca.RequestSeries)
	row("5xx", errors(st), errors(ca), st.ErrorSeries, ca.ErrorSeries)
	row("p99", latency(st), latency(ca), st.LatencySeries, ca.LatencySeries)
}

// verdict draws the judgement and the sentence with the numbers behind it.
func (m Model) verdict(c *model.Canary, w int, line func(string)) {
	v := c.Verdict
	var word string
	switch v.Word {
	case model.VerdictPass:
		word = m.st.OK.Render(theme.GlyphOK + " pass")
	case model.VerdictWorse:
		word = m.st.Failed.Render(theme.GlyphFailed + " worse")
	case model.VerdictTooFew:
		word = m.st.Hold.Render(theme.GlyphHold + " not enough data yet")
	case "":
		word = m.st.Unknown.Render(theme.GlyphUnknown + " not judged")
	default:
		// No data, or a word this build does not know: never green.
		word = m.st.Warn.Render(theme.GlyphWarn + " " + strings.ReplaceAll(string(v.Word), "_", " "))
	}
	line(format.Fit("verdict", labelW) + word)
	for _, l := range wrap(v.Why, w-len(panelIndent)-labelW) {
		line(strings.Repeat(" ", labelW) + l)
	}
}

// keysLines say what p and x would do, only for the keys that apply.
func (m Model) keysLines(c *model.Canary) []string {
	var out []string
	if m.km.CanaryPromote.Enabled() {
		what := "promote"
		if nw := c.NextWeight(); nw > 0 {
			what += " to " + pct(nw)
		}
		if c.Verdict.Word == model.VerdictWorse {
			what += m.st.Warn.Render(" (judged worse: the environment's name must be typed)")
		}
		out = append(out, m.st.HelpKey.Render(m.km.CanaryPromote.Help().Key)+"  "+what)
	}
	if m.km.CanaryAbort.Enabled() {
		out = append(out, m.st.HelpKey.Render(m.km.CanaryAbort.Help().Key)+"  abort: all traffic back to stable")
	}
	return out
}

func pct(n int) string { return strconv.Itoa(n) + " %" }

func count(s model.CanarySide) string {
	if s.NoData {
		return "no data"
	}
	return model.Group(s.Requests)
}

func errors(s model.CanarySide) string {
	if s.NoData {
		return "no data"
	}
	return model.Percent(s.ErrorRate()) + " (" + model.Group(s.Errors5xx) + ")"
}

// latency is the side's p99 and how many minutes the latency test had.
func latency(s model.CanarySide) string {
	p99 := "-"
	if s.P99 > 0 && !math.IsNaN(s.P99) {
		p99 = model.Seconds(s.P99)
	}
	n := 0
	for _, v := range s.LatencySeries {
		if !math.IsNaN(v) {
			n++
		}
	}
	if len(s.LatencySeries) == 0 {
		return p99
	}
	return p99 + " (" + strconv.Itoa(n) + " min)"
}

// spread puts left and right on one line w cells wide.
func spread(left, right string, w int) string {
	gap := w - format.Width(left) - format.Width(right)
	if gap < 2 {
		return left + "  " + right
	}
	return left + strings.Repeat(" ", gap) + right
}

func pad(s string, w int) string {
	if n := format.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// wrap breaks plain text into lines of at most w cells, at spaces, but
// never inside a number and its unit or a p-value: "9 940", "4.1 %",
// "412 ms" and "p < 0.001" stay whole.
func wrap(s string, w int) []string {
	w = max(10, w)
	var out []string
	cur := ""
	for _, word := range glue(strings.Fields(s)) {
		switch {
		case cur == "":
			cur = word
		case format.Width(cur)+1+format.Width(word) <= w:
			cur += " " + word
		default:
			out = append(out, cur)
			cur = word
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// glue joins the words that must not be broken apart.
func glue(words []string) []string {
	var out []string
	for _, word := range words {
		if n := len(out); n > 0 && sticks(out[n-1], word) {
			out[n-1] += " " + word
			continue
		}
		out = append(out, word)
	}
	return out
}

func sticks(prev, word string) bool {
	digit := func(b byte) bool { return b >= '0' && b <= '9' }
	last := prev[len(prev)-1]
	switch {
	case strings.HasSuffix(prev, "p") && len(prev) == 1, prev == "<", prev == "=",
		strings.HasSuffix(prev, " <"), strings.HasSuffix(prev, " ="):
		return true
	case !digit(last):
		return false
	}
	switch strings.TrimRight(word, ",;:)") {
	case "%", "ms", "s", "min":
		return true
	}
	// A group of thousands: "9 940", "(n=1 204 331)".
	run := 0
	for i := len(prev) - 1; i >= 0 && digit(prev[i]); i-- {
		run++
	}
	group := strings.TrimRight(word, ",;:)")
	return run <= 3 && len(group) == 3 && strings.Trim(group, "0123456789") == ""
}
