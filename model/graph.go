package model

import (
	"errors"
	"slices"
	"strings"
)

// ErrCycle is wrapped by every CycleError, for errors.Is.
var ErrCycle = errors.New("jobs need each other in a cycle")

// CycleError names one cycle of needs in run order, the first job repeated
// at the end: "build → test → build". A job that needs itself reads "a → a".
type CycleError struct{ Jobs []string }

func (e *CycleError) Error() string { return "workflow graph: cycle " + strings.Join(e.Jobs, " → ") }

// Unwrap lets errors.Is(err, ErrCycle) match.
func (e *CycleError) Unwrap() error { return ErrCycle }

// MissingNeed is a need that names no job of the workflow. The layout leaves
// the edge out and reports it, so the picture is drawn anyway.
type MissingNeed struct {
	Job  string `json:"job"`
	Need string `json:"need"`
}

// GraphNode is one place in a graph layout: a job, or a pass-through point
// that carries an edge across a layer it skips.
type GraphNode struct {
	Job   int // index into GraphLayout.Jobs, or -1 for a pass-through point
	Layer int // 0 for jobs that need nothing; else one past the furthest need
	Row   int // vertical slot, 0 at the top; strictly increasing along a layer
}

// PassThrough reports whether the node is a point on a longer edge.
func (n GraphNode) PassThrough() bool { return n.Job < 0 }

// GraphEdge joins two nodes of neighbouring layers: From runs before To.
type GraphEdge struct{ From, To int }

// GraphLayout is a workflow's jobs placed in dependency layers, ready to
// draw left to right: every edge joins neighbouring layers, because an edge
// that skips layers runs through pass-through nodes there.
//
// Duplicate job names are kept as separate nodes (GitHub Actions display
// names can repeat; CircleCI suffixes reused jobs, "test-1", "test-2"), and a
// need naming a duplicated job waits for every job of that name, as a need on
// a matrix job waits for all its legs.
type GraphLayout struct {
	Jobs []Job
	// Nodes[i] is Jobs[i] for i < len(Jobs); pass-through points follow.
	Nodes []GraphNode
	// Layers lists node indices per layer, top to bottom.
	Layers [][]int
	// Edges are in a fixed order: runs of pass-through points by the job
	// they start from, then edges into jobs by job and need.
	Edges []GraphEdge
	// Rows is the number of rows the layout needs: its largest layer.
	Rows       int
	Missing    []MissingNeed
	Duplicates []string // names shared by more than one job, first use first
}

// LayoutGraph places jobs in layers (each job one layer past its furthest
// need), orders each layer to cut edge crossings, and gives every node a row
// so that chains run straight where they can. The same jobs always give the
// same layout. Needs that form a cycle are an error naming the cycle.
func LayoutGraph(jobs []Job) (*GraphLayout, error) {
	g := &GraphLayout{Jobs: jobs}
	needs := g.resolveNeeds()
	layer, err := layerJobs(jobs, needs)
	if err != nil {
		return nil, err
	}
	g.build(needs, layer)
	o := newOrderer(g)
	o.reduceCrossings()
	g.assignRows(o.preds)
	return g, nil
}

// adjacency holds every node's neighbours in one flat slice: a layout is
// rebuilt on every refresh, and a slice per node is an allocation per node.
type adjacency struct {
	start []int // the neighbours of v are list[start[v]:start[v+1]]
	list  []int
}

func (a adjacency) of(v int) []int { return a.list[a.start[v]:a.start[v+1]] }

// group builds the adjacency of n nodes from pairs, keeping their order
// within each node: a counting sort on key.
func group[T any](n int, pairs []T, key, val func(T) int) adjacency {
	a := adjacency{start: make([]int, n+1), list: make([]int, len(pairs))}
	for _, p := range pairs {
		a.start[key(p)+1]++
	}
	for v := range n {
		a.start[v+1] += a.start[v]
	}
	fill := slices.Clone(a.start[:n])
	for _, p := range pairs {
		k := key(p)
		a.list[fill[k]] = val(p)
		fill[k]++
	}
	return a
}

// resolveNeeds turns each job's needs into job indices, without repeats,
// and records needs that name no job and names used twice.
func (g *GraphLayout) resolveNeeds() adjacency {
	n := len(g.Jobs)
	first := make(map[string]int, n)
	same := make([]int, n) // next job with the same name, or -1
	for i := n - 1; i >= 0; i-- {
		same[i] = -1
		if f, ok := first[g.Jobs[i].Name]; ok {
			same[i] = f
		}
		first[g.Jobs[i].Name] = i
	}
	needs := adjacency{start: make([]int, n+1)}
	seen := make([]int, n) // seen[p] == i+1: p already a need of i
	for i := range n {
		j := &g.Jobs[i]
		if first[j.Name] == i && same[i] >= 0 {
			g.Duplicates = append(g.Duplicates, j.Name)
		}
		for k, name := range j.Needs {
			p, ok := first[name]
			if !ok {
				if !slices.Contains(j.Needs[:k], name) {
					g.Missing = append(g.Missing, MissingNeed{Job: j.Name, Need: name})
				}
				continue
			}
			for ; p >= 0; p = same[p] {
				if seen[p] != i+1 {
					seen[p] = i + 1
					needs.list = append(needs.list, p)
				}
			}
		}
		needs.start[i+1] = len(needs.list)
	}
	return needs
}

// layerJobs gives each job the length of the longest chain of needs below
// it, visiting jobs in a fixed order (Kahn's algorithm, first in first out).
func layerJobs(jobs []Job, needs adjacency) ([]int, error) {
	n := len(jobs)
	type pair struct{ need, job int }
	pairs := make([]pair, 0, len(needs.list))
	waiting := make([]int, n) // needs not yet placed
	for i := range n {
		for _, p := range needs.of(i) {
			pairs = append(pairs, pair{p, i})
		}
		waiting[i] = len(needs.of(i))
	}
	next := group(n, pairs, func(p pair) int { return p.need }, func(p pair) int { return p.job })
	layer := make([]int, n)
	queue := make([]int, 0, n)
	for i := range n {
		if waiting[i] == 0 {
			queue = append(queue, i)
		}
	}
	for h := 0; h < len(queue); h++ {
		v := queue[h]
		for _, s := range next.of(v) {
			layer[s] = max(layer[s], layer[v]+1)
			if waiting[s]--; waiting[s] == 0 {
				queue = append(queue, s)
			}
		}
	}
	if len(queue) < n {
		return nil, findCycle(jobs, needs, waiting)
	}
	return layer, nil
}

// findCycle walks needs among the jobs Kahn's algorithm could not place.
// Each of them still waits on another such job, so the walk must come back
// to a job it has seen; the loop it closes is the cycle.
func findCycle(jobs []Job, needs adjacency, waiting []int) error {
	at := make([]int, len(jobs)) // position in path + 1
	var path []int
	v := slices.IndexFunc(waiting, func(w int) bool { return w > 0 })
	for at[v] == 0 {
		at[v] = len(path) + 1
		path = append(path, v)
		for _, p := range needs.of(v) {
			if waiting[p] > 0 {
				v = p
				break
			}
		}
	}
	cycle := path[at[v]-1:]
	// The walk follows needs backwards in time; name the cycle in run
	// order, starting from its first job in the workflow.
	slices.Reverse(cycle)
	first := slices.Index(cycle, slices.Min(cycle))
	names := make([]string, 0, len(cycle)+1)
	for k := range cycle {
		names = append(names, jobs[cycle[(first+k)%len(cycle)]].Name)
	}
	return &CycleError{Jobs: append(names, names[0])}
}

// build creates the nodes and edges. Edges from one job that skip layers
// share one run of pass-through points, which branches where a target is
// reached: one line leaves the job however many later layers it feeds.
func (g *GraphLayout) build(needs adjacency, layer []int) {
	n := len(g.Jobs)
	// reach[p] is how many layers p's run of pass-through points spans.
	reach := make([]int, n)
	nodes, top := n, 0
	for i := range n {
		top = max(top, layer[i])
		for _, p := range needs.of(i) {
			reach[p] = max(reach[p], layer[i]-layer[p]-1)
		}
	}
	runAt := make([]int, n) // node index of p's first pass-through point
	for p := range n {
		runAt[p] = nodes
		nodes += reach[p]
	}
	g.Nodes = make([]GraphNode, nodes)
	g.Edges = make([]GraphEdge, 0, len(needs.list)+nodes-n)
	for i := range n {
		g.Nodes[i] = GraphNode{Job: i, Layer: layer[i]}
	}
	for p := range n {
		from := p
		for k := range reach[p] {
			v := runAt[p] + k
			g.Nodes[v] = GraphNode{Job: -1, Layer: layer[p] + k + 1}
			g.Edges = append(g.Edges, GraphEdge{From: from, To: v})
			from = v
		}
	}
	for i := range n {
		for _, p := range needs.of(i) {
			from := p
			if skip := layer[i] - layer[p] - 1; skip > 0 {
				from = runAt[p] + skip - 1
			}
			g.Edges = append(g.Edges, GraphEdge{From: from, To: i})
		}
	}
	if n == 0 {
		return
	}
	// Every layer is a window on one flat slice, in node order to begin.
	at := make([]int, top+2)
	for _, nd := range g.Nodes {
		at[nd.Layer+1]++
	}
	for l := range top + 1 {
		at[l+1] += at[l]
	}
	flat := make([]int, len(g.Nodes))
	g.Layers = make([][]int, top+1)
	for l := range g.Layers {
		g.Layers[l] = flat[at[l]:at[l]:at[l+1]]
	}
	for v, nd := range g.Nodes {
		g.Layers[nd.Layer] = append(g.Layers[nd.Layer], v)
	}
}

// assignRows puts each node level with its highest need when there is room
// (a chain stays on one line), else just below the node above it, and never
// so low that the rest of its layer would not fit in the tallest layer.
func (g *GraphLayout) assignRows(preds adjacency) {
	for _, l := range g.Layers {
		g.Rows = max(g.Rows, len(l))
	}
	for _, l := range g.Layers {
		prev := -1
		for i, v := range l {
			want := prev + 1
			if ps := preds.of(v); len(ps) > 0 {
				top := g.Nodes[ps[0]].Row
				for _, p := range ps[1:] {
					top = min(top, g.Nodes[p].Row)
				}
				want = max(want, top)
			}
			prev = min(want, g.Rows-len(l)+i)
			g.Nodes[v].Row = prev
		}
	}
}

// Crossings counts pairs of edges that cross between neighbouring layers in
// the layout's order: what the ordering tries to make small.
func (g *GraphLayout) Crossings() int {
	o := newOrderer(g)
	return o.crossings()
}
