package graph

import (
	"slices"

	"github.com/airside-dev/flightdeck/model"
)

// rowPlan puts rows on lines. A row holding a job is four lines (top
// border, name, status, bottom border) with its port, where lines meet the
// box, on the name line; a row that only carries pass-through lines is one
// line. Lanes that a tangled gap runs out of room for become blank lines
// added below a row.
type rowPlan struct {
	height []int
	port   []int // port line within the row
	extra  []int // blank lines added below the row
}

func newRowPlan(g *model.GraphLayout) rowPlan {
	p := rowPlan{height: make([]int, g.Rows), port: make([]int, g.Rows), extra: make([]int, g.Rows)}
	for r := range p.height {
		p.height[r] = 1
	}
	for i := range g.Jobs {
		r := g.Nodes[i].Row
		p.height[r], p.port[r] = 4, 1
	}
	return p
}

// room is how many lines lie between the ports of rows r and r+1.
func (p *rowPlan) room(r int) int {
	return p.height[r] - p.port[r] - 1 + p.extra[r] + p.port[r+1]
}

// ports returns the line of every row's port, and the lines in all.
func (p *rowPlan) ports() ([]int, int) {
	at := make([]int, len(p.height))
	y := 0
	for r, h := range p.height {
		at[r] = y + p.port[r]
		y += h + p.extra[r]
	}
	return at, y
}

// place is a line named by the row it belongs to: the row's port line
// (lane -1), or the lane-th free line below it.
type place struct{ row, lane int }

func port(row int) place { return place{row, -1} }

func (a place) line(ports []int) int { return ports[a.row] + 1 + a.lane }

func (a place) before(b place) bool { return a.row < b.row || a.row == b.row && a.lane < b.lane }

// gap is how the edges between two neighbouring layers are drawn, in
// columns counted from the gap's left edge.
type gap struct {
	width  int
	across []hStroke
	down   []vStroke
	joints []spot // where a vertical line meets a horizontal one it joins
}

type hStroke struct {
	at       place
	from, to int
}

type vStroke struct {
	x           int
	top, bottom place
}

type spot struct {
	x  int
	at place
}

// rowEdge is an edge of a gap by the rows it joins.
type rowEdge struct{ from, to int }

func (d *drawing) route() {
	d.routeGaps()
	// Lanes add lines below rows, so rows are placed once the gaps are.
	d.ports, d.height = d.rows.ports()
}

func (d *drawing) routeGaps() {
	layers := len(d.g.Layers)
	if layers < 2 {
		return
	}
	edges := make([][]rowEdge, layers-1)
	for _, e := range d.g.Edges {
		from, to := d.g.Nodes[e.From], d.g.Nodes[e.To]
		edges[from.Layer] = append(edges[from.Layer], rowEdge{from.Row, to.Row})
	}
	rt := newRouter(&d.rows)
	d.gaps = make([]gap, layers-1)
	for l, es := range edges {
		if gp, ok := rt.bundle(es); ok {
			d.gaps[l] = gp
		} else {
			d.gaps[l] = rt.untangle(es)
		}
	}
}

// router routes one gap at a time. Its scratch space, indexed by row, is
// shared by all gaps and reset only where a gap touched it: a graph is
// drawn on every frame, and most gaps touch few of its rows.
type router struct {
	rows              *rowPlan
	n                 int
	parent, ids       []int // over source rows [0, n) and target rows [n, 2n)
	leaving, arriving []int // row → group + 1 (bundle); crooked edge count (untangle)
	straight          []bool
	splits, joins     []span
	taken             map[place]bool
}

func newRouter(rows *rowPlan) *router {
	n := len(rows.height)
	rt := &router{rows: rows, n: n, parent: make([]int, 2*n), ids: make([]int, 2*n),
		leaving: make([]int, n), arriving: make([]int, n), straight: make([]bool, n),
		splits: make([]span, n), joins: make([]span, n), taken: map[place]bool{}}
	for i := range rt.parent {
		rt.parent[i] = i
	}
	return rt
}

// reset clears what a gap's edges touched.
func (rt *router) reset(es []rowEdge) {
	for _, e := range es {
		for _, i := range [2]int{e.from, rt.n + e.to} {
			rt.parent[i], rt.ids[i] = i, 0
		}
		rt.leaving[e.from], rt.arriving[e.to] = 0, 0
		rt.straight[e.from] = false
		rt.splits[e.from], rt.joins[e.to] = span{}, span{}
	}
	clear(rt.taken)
}

func (rt *router) find(x int) int {
	for rt.parent[x] != x {
		rt.parent[x] = rt.parent[rt.parent[x]]
		x = rt.parent[x]
	}
	return x
}

// bundle draws a gap whose edges fall into groups in which every source
// feeds every target (a fan-out, a fan-in, either half of a diamond): each
// group shares one vertical line, so joining it anywhere is right. A row
// where one group leaves and another arrives puts the leaving group's line
// left of the arriving one's, so the two never touch; when rows ask for
// opposite orders, or a group is not complete, bundle reports false.
func (rt *router) bundle(es []rowEdge) (gap, bool) {
	type group struct {
		sources, targets, edges int
		top, bottom             int
		x                       int // column of its vertical line, or -1
		after                   []int
		blockers                int
	}
	defer rt.reset(es)
	n := rt.n
	for _, e := range es {
		if a, b := rt.find(e.from), rt.find(n+e.to); a != b {
			rt.parent[b] = a
		}
	}
	var groups []group
	var rows []int // rows a group leaves or arrives at, in edge order
	for _, e := range es {
		root := rt.find(e.from)
		if rt.ids[root] == 0 {
			groups = append(groups, group{top: e.from, bottom: e.from, x: -1})
			rt.ids[root] = len(groups)
		}
		id := rt.ids[root]
		gr := &groups[id-1]
		gr.edges++
		if rt.leaving[e.from] == 0 {
			rt.leaving[e.from] = id
			gr.sources++
			rows = append(rows, e.from)
		}
		if rt.arriving[e.to] == 0 {
			rt.arriving[e.to] = id
			gr.targets++
			rows = append(rows, e.to)
		}
		gr.top, gr.bottom = min(gr.top, e.from, e.to), max(gr.bottom, e.from, e.to)
	}
	for _, gr := range groups {
		if gr.edges != gr.sources*gr.targets {
			return gap{}, false
		}
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	// A group within one row is a single straight edge and needs no
	// vertical; the others are ordered left to right, upper ones first
	// where rows do not decide.
	for _, r := range rows {
		if a, b := rt.leaving[r]-1, rt.arriving[r]-1; a >= 0 && b >= 0 && a != b {
			groups[a].after = append(groups[a].after, b)
			groups[b].blockers++
		}
	}
	tracks := 0
	for {
		next := -1
		for i, gr := range groups {
			if gr.x < 0 && gr.top != gr.bottom && gr.blockers == 0 &&
				(next < 0 || gr.top < groups[next].top || gr.top == groups[next].top && gr.bottom < groups[next].bottom) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		groups[next].x = 1 + 2*tracks
		tracks++
		for _, b := range groups[next].after {
			groups[b].blockers--
		}
	}
	for _, gr := range groups {
		if gr.x < 0 && gr.top != gr.bottom {
			return gap{}, false // rows ask for opposite orders
		}
	}
	gp := gap{width: max(3, 2*tracks+1), across: make([]hStroke, 0, 2*len(rows)),
		joints: make([]spot, 0, 2*len(rows)), down: make([]vStroke, 0, tracks)}
	last := gp.width - 1
	for _, r := range rows {
		a, b := rt.leaving[r]-1, rt.arriving[r]-1
		if a >= 0 && a == b {
			gp.across = append(gp.across, hStroke{port(r), 0, last})
			if x := groups[a].x; x >= 0 {
				gp.joints = append(gp.joints, spot{x, port(r)})
			}
			continue
		}
		if a >= 0 {
			gp.across = append(gp.across, hStroke{port(r), 0, groups[a].x})
			gp.joints = append(gp.joints, spot{groups[a].x, port(r)})
		}
		if b >= 0 {
			gp.across = append(gp.across, hStroke{port(r), groups[b].x, last})
			gp.joints = append(gp.joints, spot{groups[b].x, port(r)})
		}
	}
	for _, gr := range groups {
		if gr.x >= 0 {
			gp.down = append(gp.down, vStroke{gr.x, port(gr.top), port(gr.bottom)})
		}
	}
	return gp, true
}

// untangle draws any gap. Each source whose edges leave its row splits
// them on a vertical line at the left; each such edge runs right on a lane
// of its own (a free line between the rows it joins) and meets a vertical
// line of its target's at the right. Every split lies left of every join,
// so reading left to right a join can only lead on to its target. Lanes
// that do not fit between the rows are added below a row.
func (rt *router) untangle(es []rowEdge) gap {
	defer rt.reset(es)
	outs, ins := rt.leaving, rt.arriving // crooked edges leaving / arriving at each row
	var crooked []rowEdge
	var rows []int
	for _, e := range es {
		rows = append(rows, e.from, e.to)
		if e.from == e.to {
			rt.straight[e.from] = true
			continue
		}
		crooked = append(crooked, e)
		outs[e.from]++
		ins[e.to]++
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	// A lane sits by whichever end has fewer crooked edges: a fan-out's
	// lanes by its targets, a fan-in's by its sources. The many short
	// verticals at that end can then share columns.
	lanes := make([]place, len(crooked))
	for i, e := range crooked {
		near := e.from
		if outs[e.from] > ins[e.to] {
			near = e.to
		}
		lanes[i] = rt.rows.lane(min(e.from, e.to), max(e.from, e.to), near, rt.taken)
		rt.splits[e.from].reach(port(e.from), lanes[i])
		rt.joins[e.to].reach(port(e.to), lanes[i])
	}
	ports, _ := rt.rows.ports()
	splitX := columns(rt.splits, rows, ports, 1)
	joinX := columns(rt.joins, rows, ports, 1+2*len(splitX.bottoms))
	gp := gap{width: 2*(len(splitX.bottoms)+len(joinX.bottoms)) + 1,
		across: make([]hStroke, 0, len(crooked)+2*len(rows)),
		joints: make([]spot, 0, 2*len(crooked)+2*len(rows)), down: make([]vStroke, 0, 2*len(rows))}
	last := gp.width - 1
	for i, e := range crooked {
		a, b := splitX.at[e.from], joinX.at[e.to]
		gp.across = append(gp.across, hStroke{lanes[i], a, b})
		gp.joints = append(gp.joints, spot{a, lanes[i]}, spot{b, lanes[i]})
	}
	for _, r := range rows {
		a, b := -1, -1
		if rt.splits[r].used {
			a = splitX.at[r]
			gp.down = append(gp.down, vStroke{a, rt.splits[r].top, rt.splits[r].bottom})
			gp.joints = append(gp.joints, spot{a, port(r)})
		}
		if rt.joins[r].used {
			b = joinX.at[r]
			gp.down = append(gp.down, vStroke{b, rt.joins[r].top, rt.joins[r].bottom})
			gp.joints = append(gp.joints, spot{b, port(r)})
		}
		switch {
		case rt.straight[r]:
			gp.across = append(gp.across, hStroke{port(r), 0, last})
		default:
			if a >= 0 {
				gp.across = append(gp.across, hStroke{port(r), 0, a})
			}
			if b >= 0 {
				gp.across = append(gp.across, hStroke{port(r), b, last})
			}
		}
	}
	return gp
}

// lane finds a free line for an edge between rows lo and hi, starting as
// close to row near as it can and moving towards the other end; when all
// are taken it adds a line next to near.
func (p *rowPlan) lane(lo, hi, near int, taken map[place]bool) place {
	for k := range hi - lo {
		slot, fromTop := lo+k, true
		if near == hi {
			slot, fromTop = hi-1-k, false
		}
		room := p.room(slot)
		for i := range room {
			l := place{slot, i}
			if !fromTop {
				l.lane = room - 1 - i
			}
			if !taken[l] {
				taken[l] = true
				return l
			}
		}
	}
	slot := lo
	if near == hi {
		slot = hi - 1
	}
	p.extra[slot]++
	l := place{slot, p.room(slot) - 1}
	taken[l] = true
	return l
}

// span is the extent of a vertical line; the zero span is no line.
type span struct {
	top, bottom place
	used        bool
}

func (s *span) reach(ps ...place) {
	for _, p := range ps {
		switch {
		case !s.used:
			s.top, s.bottom, s.used = p, p, true
		case p.before(s.top):
			s.top = p
		case s.bottom.before(p):
			s.bottom = p
		}
	}
}

// placed is where columns put a gap's vertical lines.
type placed struct {
	at      map[int]int // row → column
	bottoms []int       // per column, the last line used so far
}

// columns gives every used span of the given rows a column, from first on
// in steps of two; spans with a blank line between them share one (first
// fit, top first).
func columns(spans []span, rows []int, ports []int, first int) placed {
	type line struct{ row, top, bottom int }
	var order []line
	for _, r := range rows {
		if s := spans[r]; s.used {
			order = append(order, line{r, s.top.line(ports), s.bottom.line(ports)})
		}
	}
	slices.SortStableFunc(order, func(a, b line) int { return a.top - b.top })
	p := placed{at: make(map[int]int, len(order))}
	for _, l := range order {
		c := slices.IndexFunc(p.bottoms, func(b int) bool { return b+1 < l.top })
		if c < 0 {
			c = len(p.bottoms)
			p.bottoms = append(p.bottoms, 0)
		}
		p.bottoms[c] = l.bottom
		p.at[l.row] = first + 2*c
	}
	return p
}
