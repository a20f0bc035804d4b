// Package graph draws a workflow's job graph for the service detail: jobs
// as boxes in dependency layers from left to right, joined by box-drawing
// lines, the classic CI picture (build → test → deploy-staging → hold →
// deploy-production).
//
// Each box holds the job's name and, below it, its status glyph and how
// long it ran (or has been running, or waiting). Approval jobs are gates,
// drawn with a double border.
//
// Reading the lines left to right never leads from a job to one that does
// not need it. Where the edges between two layers fall into groups in
// which every job on the left feeds every job on the right (a fan-out, a
// fan-in, a diamond's halves), each group shares one vertical line.
// Otherwise every edge gets a lane of its own, splitting from its job on
// the left of the gap and joining its target on the right. Where a line
// crosses another without joining it, the horizontal one runs through and
// the vertical one is broken for a cell.
//
// When the graph is wider than the room given, padding goes first, then
// long names are shortened with "…" down to a floor; past that the graph
// keeps its size and the caller scrolls it with Options.Offset. Render
// returns a graph taller than the screen whole; a Plan keeps the graph
// between frames and draws only the lines asked for, for a caller that
// scrolls a large workflow.
//
// Colour comes only from the theme, so NO_COLOR and --no-color (the ASCII
// profile) give plain text. The theme has no ASCII-only glyph mode, so the
// box-drawing characters are always Unicode, as everywhere else in the UI.
package graph

import (
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Options are what the caller knows about the room and the time.
type Options struct {
	// Width is how many columns the graph may take; 0 or less is no limit.
	Width int
	// Offset is the first column shown when the graph is wider than Width
	// even with shortened names: the caller's horizontal scroll position.
	// It is clamped to the graph.
	Offset int
	// Now is the time running and waiting jobs are measured to.
	Now time.Time
}

// Frame is a drawn graph.
type Frame struct {
	// Lines are the graph top to bottom, then one line per need that names
	// no job. None is wider than Options.Width; trailing spaces are cut.
	Lines []string
	// Width is how many columns the whole graph takes. More than
	// Options.Width means it was cut, and Offset can scroll it.
	Width int
}

func (f Frame) String() string { return strings.Join(f.Lines, "\n") }

// minText is the narrowest a column's text is shortened to before the graph
// is left wider than the room: "deploy-…" still says which deploy.
const minText = 8

// Render draws a laid-out workflow. A nil or empty layout draws nothing.
func Render(g *model.GraphLayout, st theme.Styles, o Options) Frame {
	if g == nil || len(g.Jobs) == 0 {
		return Frame{}
	}
	d := newDrawing(g, st, o.Now)
	d.route()
	d.fit(o.Width)
	left, w := d.view(o.Width, o.Offset)
	lines := d.draw(left, w, 0, d.bottom(left, w)).lines()
	return Frame{Lines: append(lines, notes(g, st, o.Width)...), Width: d.width}
}

// notes are the lines below the graph, one per need that names no job.
func notes(g *model.GraphLayout, st theme.Styles, width int) []string {
	if width > 0 && width < 3 {
		return nil // too narrow for a note
	}
	warn := st.P.Warn.Wrap(theme.GlyphWarn)
	out := make([]string, 0, len(g.Missing))
	for _, m := range g.Missing {
		note := m.Job + " needs " + m.Need + ", which is not in this workflow"
		if width > 0 {
			note = format.Truncate(note, width-2)
		}
		out = append(out, warn+" "+note)
	}
	return out
}

// drawing is one Render's working state, from layout to lines.
type drawing struct {
	g      *model.GraphLayout
	st     theme.Styles
	labels []label // per job

	in, out []bool // per node: has edges from the left, to the right
	rows    rowPlan
	gaps    []gap // gaps[l] sits between layers l and l+1
	ports   []int // per row: the line its port is on (once routed)
	height  int   // lines of the whole graph, blank ones at the end too

	pad   int   // blank columns either side of a box's text
	text  []int // per layer: width of the box text
	x     []int // per layer: first column of its boxes
	width int
}

func newDrawing(g *model.GraphLayout, st theme.Styles, now time.Time) *drawing {
	d := &drawing{g: g, st: st, labels: make([]label, len(g.Jobs)),
		in: make([]bool, len(g.Nodes)), out: make([]bool, len(g.Nodes))}
	for i := range g.Jobs {
		d.labels[i] = newLabel(&g.Jobs[i], st, now)
	}
	for _, e := range g.Edges {
		d.out[e.From], d.in[e.To] = true, true
	}
	d.rows = newRowPlan(g)
	return d
}

// fit chooses padding and the longest text a box shows so the graph fits
// in width, shortening the longest names first.
func (d *drawing) fit(width int) {
	natural := make([]int, len(d.g.Layers))
	for l, layer := range d.g.Layers {
		for _, v := range layer {
			if j := d.g.Nodes[v].Job; j >= 0 {
				natural[l] = max(natural[l], d.labels[j].width)
			}
		}
	}
	gaps := 0
	for _, gp := range d.gaps {
		gaps += gp.width
	}
	total := func(pad, limit int) int {
		w := gaps
		for _, n := range natural {
			w += 2 + 2*pad + min(n, limit)
		}
		return w
	}
	longest := 0
	for _, n := range natural {
		longest = max(longest, n)
	}
	d.pad = 1
	limit := longest
	switch {
	case width <= 0 || total(1, longest) <= width:
	case total(0, longest) <= width:
		d.pad = 0
	default:
		d.pad, limit = 0, minText
		for l := longest - 1; l > minText; l-- {
			if total(0, l) <= width {
				limit = l
				break
			}
		}
	}
	d.text = make([]int, len(natural))
	d.x = make([]int, len(natural))
	x := 0
	for l, n := range natural {
		d.text[l] = min(n, limit)
		d.x[l] = x
		x += d.boxWidth(l)
		if l < len(d.gaps) {
			x += d.gaps[l].width
		}
	}
	d.width = x
}

func (d *drawing) boxWidth(l int) int { return 2 + 2*d.pad + d.text[l] }

// view is the first column in view and how many columns are, for the
// room given (0 or less: all of it) and the caller's scroll position.
func (d *drawing) view(width, offset int) (left, w int) {
	if width <= 0 {
		width = d.width
	}
	left = max(0, min(offset, d.width-width))
	return left, min(width, d.width-left)
}

// bottom is the line below the last one that draws anything in columns
// [left, left+w): the lines beneath it would be blank, and are left out.
// Each box's bottom border, each pass-through and each stroke of a line
// marks every column it spans, so a span in view marks its last line.
func (d *drawing) bottom(left, w int) int {
	right, b := left+w, 0
	in := func(x0, x1 int) bool { return x0 < right && x1 >= left }
	for l, layer := range d.g.Layers {
		x, bw := d.x[l], d.boxWidth(l)
		if in(x, x+bw-1) {
			for _, v := range layer {
				nd := d.g.Nodes[v]
				if nd.PassThrough() {
					b = max(b, d.ports[nd.Row]+1)
				} else {
					b = max(b, d.ports[nd.Row]+3)
				}
			}
		}
		if l >= len(d.gaps) {
			continue
		}
		gx := x + bw
		for _, s := range d.gaps[l].across {
			if s.from < s.to && in(gx+s.from, gx+s.to) {
				b = max(b, s.at.line(d.ports)+1)
			}
		}
		for _, s := range d.gaps[l].down {
			if bot := s.bottom.line(d.ports); s.top.line(d.ports) < bot && in(gx+s.x, gx+s.x) {
				b = max(b, bot+1)
			}
		}
	}
	return min(b, d.height)
}
