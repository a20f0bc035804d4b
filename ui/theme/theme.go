// Package theme owns flightdeck's colours and glyphs. Styles are built from
// a lipgloss renderer and passed to every screen, never read from globals,
// so tests can pin the ASCII profile and --no-color can turn colour off.
package theme

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/airside-dev/flightdeck/model"
)

// Glyphs pair with colour so that meaning survives NO_COLOR and colour
// blindness: a cell is never red without also saying ✗.
const (
	GlyphOK         = "✓"
	GlyphFailed     = "✗"
	GlyphRolling    = "◐"
	GlyphHold       = "⏸"
	GlyphWarn       = "⚠"
	GlyphRolledBack = "↺"
	GlyphUnknown    = "·"
	GlyphCursor     = "▸"
	// GlyphPair marks a blue/green pair: the cell is its live side.
	GlyphPair = "⇄"
)

// Styles is every style a screen uses.
type Styles struct {
	Title, Dim, Bold, Header, Selected, Cell                 lipgloss.Style
	OK, Failed, Rolling, Warn, Hold, RolledBack, Unknown     lipgloss.Style
	Border, PanelTitle, Error, Badge, HelpKey, HelpDesc, Bar lipgloss.Style
	// P holds the hot-path paints derived from the styles above.
	P Paints
}

// New builds the styles for a renderer. Colours adapt to light and dark
// backgrounds; the renderer's profile decides whether any colour is sent.
func New(r *lipgloss.Renderer) Styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	fg := func(col lipgloss.TerminalColor) lipgloss.Style { return r.NewStyle().Foreground(col) }
	s := Styles{
		Title:      r.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B4A6FF")),
		Dim:        fg(c("#8A8A8A", "#6C6C6C")),
		Bold:       r.NewStyle().Bold(true),
		Header:     r.NewStyle().Bold(true).Foreground(c("#4A4A4A", "#C8C8C8")),
		Selected:   r.NewStyle().Bold(true).Foreground(c("#1B1B1B", "#FFFFFF")),
		Cell:       r.NewStyle(),
		OK:         fg(c("#1A7F37", "#3FB950")),
		Failed:     fg(c("#CF222E", "#F85149")),
		Rolling:    fg(c("#0969DA", "#58A6FF")),
		Warn:       fg(c("#9A6700", "#D29922")),
		Hold:       fg(c("#8250DF", "#BC8CFF")),
		RolledBack: fg(c("#BC4C00", "#F0883E")),
		Unknown:    fg(c("#8A8A8A", "#6C6C6C")),
		Border:     fg(c("#D0D7DE", "#30363D")),
		PanelTitle: r.NewStyle().Bold(true).Foreground(c("#4A4A4A", "#C8C8C8")),
		Error:      fg(c("#CF222E", "#F85149")),
		Badge:      r.NewStyle().Bold(true).Foreground(c("#CF222E", "#F85149")),
		HelpKey:    fg(c("#5A5A5A", "#A0A0A0")),
		HelpDesc:   fg(c("#8A8A8A", "#6C6C6C")),
		Bar:        fg(c("#0969DA", "#58A6FF")),
	}
	s.P = newPaints(s)
	return s
}

// State returns the glyph and style for an environment state.
func (s Styles) State(st model.DeployState) (string, lipgloss.Style) {
	switch st {
	case model.StateSteady:
		return GlyphOK, s.OK
	case model.StateDeploying:
		return GlyphRolling, s.Rolling
	case model.StateFailed:
		return GlyphFailed, s.Failed
	case model.StateRolledBack:
		return GlyphRolledBack, s.RolledBack
	default:
		return GlyphUnknown, s.Unknown
	}
}

// StatePaint is State for the hot path.
func (s Styles) StatePaint(st model.DeployState) (string, Paint) {
	switch st {
	case model.StateSteady:
		return GlyphOK, s.P.OK
	case model.StateDeploying:
		return GlyphRolling, s.P.Rolling
	case model.StateFailed:
		return GlyphFailed, s.P.Failed
	case model.StateRolledBack:
		return GlyphRolledBack, s.P.RolledBack
	default:
		return GlyphUnknown, s.P.Unknown
	}
}
