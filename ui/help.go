package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// The ? overlay: every key of the screen in front, the ones that act now
// in columns, then the ones that do not, grouped by why (the same reasons
// a pressed disabled key puts on the status line), then the glyphs'
// legend. It scrolls (↑↓, g/G, pgup/pgdn) where it is taller than the body.

// helpLines is the overlay's content, one terminal line each.
func (m Model) helpLines(front shown) []string {
	lines := []string{m.st.Title.Render("Keys")}
	lines = append(lines, "")
	lines = append(lines, m.keyColumns(front.full)...)
	type group struct {
		why  string
		keys []string
	}
	var off []group
	at := map[string]int{}
	for _, col := range front.full {
		for _, b := range col {
			if b.Enabled() || b.Help().Key == "" {
				continue
			}
			why := m.whyOff(b)
			i, ok := at[why]
			if !ok {
				i = len(off)
				at[why] = i
				off = append(off, group{why: why})
			}
			off[i].keys = append(off[i].keys, b.Help().Key+" "+b.Help().Desc)
		}
	}
	if len(off) > 0 {
		lines = append(lines, "", m.st.PanelTitle.Render("Not available now"))
		// The reason first, whole where it fits; then its keys.
		for _, g := range off {
			lines = append(lines, format.Truncate(m.st.Dim.Render(g.why+":"), max(10, m.width-1)))
			lines = append(lines, format.Truncate("  "+m.st.HelpKey.Render(strings.Join(g.keys, ", ")), max(10, m.width-1)))
		}
	}
	lines = append(lines, "", m.st.PanelTitle.Render("Glyphs"))
	var row []string
	w := 0
	for _, s := range theme.Legend() {
		item := s.Glyph + " " + m.st.Dim.Render(s.Meaning)
		iw := format.Width(item) + 3
		if w > 0 && w+iw > m.width-2 {
			lines = append(lines, strings.Join(row, "   "))
			row, w = nil, 0
		}
		row, w = append(row, item), w+iw
	}
	if len(row) > 0 {
		lines = append(lines, strings.Join(row, "   "))
	}
	return lines
}

// keyColumns lays the enabled keys out in columns, as many side by side
// as the width holds, the rest below: a narrow terminal wraps them rather
// than cutting them off.
func (m Model) keyColumns(cols [][]key.Binding) []string {
	h := m.help
	h.Width = 0 // measured here, never cut
	var out []string
	var group [][]key.Binding
	flush := func() {
		if len(group) > 0 {
			if len(out) > 0 {
				out = append(out, "")
			}
			out = append(out, strings.Split(h.FullHelpView(group), "\n")...)
		}
		group = nil
	}
	for _, c := range cols {
		if h.FullHelpView([][]key.Binding{c}) == "" {
			continue // every key of it disabled: listed below
		}
		try := append(append([][]key.Binding(nil), group...), c)
		if len(group) > 0 && lipgloss.Width(h.FullHelpView(try)) > m.width-1 {
			flush()
			try = [][]key.Binding{c}
		}
		group = try
	}
	flush()
	return out
}

// helpView is the overlay scrolled to fit the body's height.
func (m Model) helpView(front shown, height int) string {
	lines := m.helpLines(front)
	top := min(m.helpScroll, max(0, len(lines)-height))
	return strings.Join(lines[top:min(len(lines), top+height)], "\n")
}

// whyOff is why a disabled key does nothing now, in the words its press
// would put on the status line.
func (m Model) whyOff(b key.Binding) string {
	same := func(o key.Binding) bool { return o.Help() == b.Help() }
	for _, k := range actionKeys(&m.km) {
		if same(*k.b) {
			if why := m.why.kinds[k.kind]; why != "" {
				return why
			}
		}
	}
	switch {
	case same(m.km.Audit):
		return m.why.audit
	case same(m.km.Canary):
		return m.why.canary
	case same(m.km.Focus):
		return m.why.focus
	case same(m.km.Log):
		_, _, _, why := m.logTarget()
		return why
	case same(m.km.Events):
		_, why := m.eventsOf()
		return why
	}
	return "not available on this screen"
}
