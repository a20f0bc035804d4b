package graph

import (
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Directions a line leaves a cell in.
const (
	dirUp = 1 << iota
	dirDown
	dirLeft
	dirRight

	horizontal = dirLeft | dirRight
)

// strokeRunes is the box-drawing character for a set of directions.
var strokeRunes = [16]rune{
	' ', '│', '│', '│',
	'─', '╯', '╮', '┤',
	'─', '╰', '╭', '├',
	'─', '┴', '┬', '┼',
}

// wideTail marks the second cell of a double-width character.
const wideTail = -1

// cell is one terminal cell: text, or the lines passing through it.
type cell struct {
	r     rune // text; 0 when the cell is blank or holds lines
	paint uint8
	dirs  uint8 // directions the lines through the cell go in
	joint bool  // the lines here meet; otherwise the horizontal passes over
}

func (c *cell) glyph() rune {
	switch {
	case c.r != 0:
		return c.r
	case c.joint:
		return strokeRunes[c.dirs]
	case c.dirs&horizontal != 0:
		return '─'
	case c.dirs != 0:
		return '│'
	}
	return ' '
}

func (c *cell) blank() bool { return c.r == 0 && c.dirs == 0 }

// canvas is the part of the graph in view, as cells, turned into lines at
// the end so colour codes wrap runs of cells rather than single characters.
// Drawing is done in graph columns; what falls outside the view is dropped.
type canvas struct {
	left, w int // first graph column in view, columns in view
	top, h  int // first graph line in view, lines in view
	cells   []cell
	outside cell // where writes outside the view go
	// codes holds the escape codes before and after text in each paint;
	// paint id 0 is none.
	codes  [][2]string
	paints []theme.Paint
}

func newCanvas(left, w, top, h int) *canvas {
	return &canvas{left: left, w: w, top: top, h: h, cells: make([]cell, w*h), codes: [][2]string{{}}, paints: []theme.Paint{{}}}
}

func (c *canvas) paintID(p theme.Paint) uint8 {
	for i, q := range c.paints {
		if q == p {
			return uint8(i)
		}
	}
	// A paint only wraps text, so wrapping a marker shows its codes; the
	// lines are then written straight into one buffer.
	pre, post, _ := strings.Cut(p.Wrap("\x00"), "\x00")
	c.paints = append(c.paints, p)
	c.codes = append(c.codes, [2]string{pre, post})
	return uint8(len(c.paints) - 1)
}

func (c *canvas) at(x, y int) *cell {
	x, y = x-c.left, y-c.top
	if x < 0 || x >= c.w || y < 0 || y >= c.h {
		c.outside = cell{}
		return &c.outside
	}
	return &c.cells[y*c.w+x]
}

func (c *canvas) put(x, y int, r rune, paint uint8) {
	cl := c.at(x, y)
	cl.r, cl.paint = r, paint
}

// text writes s from column x in at most w cells, ending in "…" when it
// has to cut. Zero-width runes are dropped: the canvas keeps one rune per
// cell.
func (c *canvas) text(x, y int, s string, w int, paint uint8) {
	if w <= 0 {
		return
	}
	cut := format.Width(s) > w
	end := x + w
	if cut {
		end-- // room for the "…"
	}
	for _, r := range s {
		rw := runewidth.RuneWidth(r)
		if rw == 0 {
			continue
		}
		if x+rw > end {
			break
		}
		c.put(x, y, r, paint)
		if rw == 2 {
			c.put(x+1, y, wideTail, paint)
		}
		x += rw
	}
	if cut {
		c.put(x, y, '…', paint)
	}
}

// stroke draws a line from (x0, y0) to (x1, y1), across or down. A
// line's own ends only matter where it meets another at a joint. Only the
// part in view is visited: a line may run down the whole of a tall graph.
func (c *canvas) stroke(x0, y0, x1, y1 int, paint uint8) {
	if y0 == y1 {
		if y0 < c.top || y0 >= c.top+c.h {
			return
		}
		for x := max(x0, c.left); x <= min(x1, c.left+c.w-1); x++ {
			c.mark(x, y0, x > x0, x < x1, dirLeft, dirRight, paint)
		}
		return
	}
	if x0 < c.left || x0 >= c.left+c.w {
		return
	}
	for y := max(y0, c.top); y <= min(y1, c.top+c.h-1); y++ {
		c.mark(x0, y, y > y0, y < y1, dirUp, dirDown, paint)
	}
}

// mark is one cell of a stroke: the line goes back (left or up) unless
// the cell is its first, on unless it is its last.
func (c *canvas) mark(x, y int, goesBack, goesOn bool, back, on, paint uint8) {
	cl := c.at(x, y)
	if goesBack {
		cl.dirs |= back
	}
	if goesOn {
		cl.dirs |= on
	}
	cl.paint = paint
}

// lines renders the view, trailing blanks cut. All lines share one
// buffer.
func (c *canvas) lines() []string {
	buf := make([]byte, 0, c.h*(3*c.w+16)) // box drawing takes 3 bytes a cell
	ends := make([]int, 0, c.h)
	for y := range c.h {
		row := c.cells[y*c.w : (y+1)*c.w]
		end := len(row)
		for end > 0 && row[end-1].blank() {
			end--
		}
		cur := uint8(0)
		for x := range row[:end] {
			cl := &row[x]
			r, paint := cl.glyph(), cl.paint
			switch {
			case r == wideTail && x > 0:
				continue
			case r == wideTail, r >= utf8.RuneSelf && x == end-1 && runewidth.RuneWidth(r) == 2:
				r = ' ' // half of a wide character cut by the view
			}
			if r == ' ' {
				paint = 0
			}
			if paint != cur {
				buf = append(buf, c.codes[cur][1]...)
				buf = append(buf, c.codes[paint][0]...)
				cur = paint
			}
			if r < utf8.RuneSelf {
				buf = append(buf, byte(r))
			} else {
				buf = utf8.AppendRune(buf, r)
			}
		}
		buf = append(buf, c.codes[cur][1]...)
		ends = append(ends, len(buf))
	}
	all := string(buf)
	out := make([]string, len(ends))
	start := 0
	for y, e := range ends {
		out[y] = all[start:e]
		start = e
	}
	return out
}

// border is the look of a box: rounded for jobs, doubled for gates.
type border struct {
	topLeft, topRight, bottomLeft, bottomRight rune
	across, side, in, out                      rune
}

var (
	jobBorder  = border{'╭', '╮', '╰', '╯', '─', '│', '┤', '├'}
	gateBorder = border{'╔', '╗', '╚', '╝', '═', '║', '╢', '╟'}
)

// draw draws what falls in view: w columns from left, lines [top,
// top+h). Boxes, pass-throughs and lines wholly outside it are skipped, so
// a frame costs what it shows, not the whole graph.
func (d *drawing) draw(left, w, top, h int) *canvas {
	c := newCanvas(left, w, top, h)
	edge := c.paintID(theme.NewPaint(d.st.Border))
	gate := c.paintID(d.st.P.Hold)
	for l, layer := range d.g.Layers {
		x, bw := d.x[l], d.boxWidth(l)
		if x < left+w && x+bw > left {
			d.layer(c, l, layer, edge, gate)
		}
		if l < len(d.gaps) {
			d.gaps[l].draw(c, x+bw, d.ports, edge)
		}
	}
	return c
}

// layer draws the boxes and pass-throughs of layer l that reach the
// canvas's lines.
func (d *drawing) layer(c *canvas, l int, layer []int, edge, gate uint8) {
	x, w := d.x[l], d.boxWidth(l)
	for _, v := range layer {
		nd := d.g.Nodes[v]
		y := d.ports[nd.Row]
		if nd.PassThrough() {
			c.stroke(x, y, x+w-1, y, edge)
			continue
		}
		if y+3 <= c.top || y-1 >= c.top+c.h {
			continue
		}
		b, paint := jobBorder, edge
		if d.g.Jobs[nd.Job].Approval {
			b, paint = gateBorder, gate
		}
		d.box(c, v, l, y-1, b, paint)
	}
}

// box draws a job's box with its top-left corner at line y.
func (d *drawing) box(c *canvas, v, l, y int, b border, paint uint8) {
	x, w, tw := d.x[l], d.boxWidth(l), d.text[l]
	lb := &d.labels[d.g.Nodes[v].Job]
	in, out := b.side, b.side
	if d.in[v] {
		in = b.in
	}
	if d.out[v] {
		out = b.out
	}
	edges := [4][3]rune{
		{b.topLeft, b.across, b.topRight},
		{in, 0, out},
		{b.side, 0, b.side},
		{b.bottomLeft, b.across, b.bottomRight},
	}
	for i, e := range edges {
		c.put(x, y+i, e[0], paint)
		c.put(x+w-1, y+i, e[2], paint)
		if e[1] != 0 {
			for k := x + 1; k < x+w-1; k++ {
				c.put(k, y+i, e[1], paint)
			}
		}
	}
	tx := x + 1 + d.pad
	c.text(tx, y+1, lb.name, tw, 0)
	gw := format.Width(lb.glyph) + 1
	c.text(tx, y+2, lb.glyph, gw, c.paintID(lb.paint))
	c.text(tx+gw, y+2, lb.status, tw-gw, 0)
}

// draw draws the gap from column x0.
func (gp *gap) draw(c *canvas, x0 int, ports []int, paint uint8) {
	for _, s := range gp.across {
		y := s.at.line(ports)
		c.stroke(x0+s.from, y, x0+s.to, y, paint)
	}
	for _, s := range gp.down {
		c.stroke(x0+s.x, s.top.line(ports), x0+s.x, s.bottom.line(ports), paint)
	}
	for _, j := range gp.joints {
		c.at(x0+j.x, j.at.line(ports)).joint = true
	}
}
