package model

import (
	"cmp"
	"slices"
)

// orderSweeps is how many down-and-up barycenter sweeps the ordering tries.
// Workflow graphs are small and shallow; a few sweeps settle them.
const orderSweeps = 4

// orderer reorders the layers of a layout to cut edge crossings, moving each
// node towards the mean position of its neighbours in the layer just sorted
// (the barycenter heuristic), and keeps the best order it has seen.
type orderer struct {
	g            *GraphLayout
	pos          []int     // node → index in its layer
	preds, succs adjacency // neighbours in the layer before / after

	keys  []keyedNode // scratch for sortLayer
	ends  []int       // scratch for crossings
	count []int       // Fenwick tree for crossings
}

type keyedNode struct {
	key  float64
	node int
}

func newOrderer(g *GraphLayout) *orderer {
	from := func(e GraphEdge) int { return e.From }
	to := func(e GraphEdge) int { return e.To }
	o := &orderer{g: g, pos: make([]int, len(g.Nodes)),
		preds: group(len(g.Nodes), g.Edges, to, from), succs: group(len(g.Nodes), g.Edges, from, to)}
	for _, l := range g.Layers {
		for i, v := range l {
			o.pos[v] = i
		}
	}
	return o
}

func (o *orderer) reduceCrossings() {
	layers := o.g.Layers
	best := o.crossings()
	if best == 0 {
		return
	}
	saved := make([][]int, len(layers))
	for l := range layers {
		saved[l] = slices.Clone(layers[l])
	}
	keep := func() bool {
		c := o.crossings()
		if c >= best {
			return false
		}
		best = c
		for l := range layers {
			copy(saved[l], layers[l])
		}
		return true
	}
	for range orderSweeps {
		for l := 1; l < len(layers); l++ {
			o.sortLayer(l, o.preds, l-1)
		}
		down := keep()
		for l := len(layers) - 2; l >= 0; l-- {
			o.sortLayer(l, o.succs, l+1)
		}
		if up := keep(); best == 0 || !down && !up {
			break
		}
	}
	for l := range layers {
		copy(layers[l], saved[l])
		for i, v := range layers[l] {
			o.pos[v] = i
		}
	}
}

// sortLayer orders layer l by the mean position of each node's neighbours
// in layer other. Positions are taken relative to their layer's size so a
// node with no neighbours there, which keeps its own relative place, sorts
// sensibly among the rest. Ties keep their current order.
func (o *orderer) sortLayer(l int, nbrs adjacency, other int) {
	layer := o.g.Layers[l]
	own, far := float64(len(layer)), float64(len(o.g.Layers[other]))
	o.keys = o.keys[:0]
	for i, v := range layer {
		k := (float64(i) + 0.5) / own
		if ns := nbrs.of(v); len(ns) > 0 {
			sum := 0.0
			for _, u := range ns {
				sum += float64(o.pos[u]) + 0.5
			}
			k = sum / float64(len(ns)) / far
		}
		o.keys = append(o.keys, keyedNode{k, v})
	}
	slices.SortStableFunc(o.keys, func(a, b keyedNode) int { return cmp.Compare(a.key, b.key) })
	for i, kn := range o.keys {
		layer[i] = kn.node
		o.pos[kn.node] = i
	}
}

// crossings counts crossing edge pairs over all neighbouring layers: taking
// edges by source position, an edge crosses every earlier edge that ends
// lower down, counted with a Fenwick tree over target positions.
func (o *orderer) crossings() int {
	total := 0
	layers := o.g.Layers
	for l := 0; l+1 < len(layers); l++ {
		n := len(layers[l+1])
		o.count = slices.Grow(o.count[:0], n+1)[:n+1]
		clear(o.count)
		seen := 0
		for _, v := range layers[l] {
			o.ends = o.ends[:0]
			for _, u := range o.succs.of(v) {
				o.ends = append(o.ends, o.pos[u])
			}
			slices.Sort(o.ends)
			for _, t := range o.ends {
				atOrAbove := 0
				for i := t + 1; i > 0; i -= i & -i {
					atOrAbove += o.count[i]
				}
				total += seen - atOrAbove
				for i := t + 1; i <= n; i += i & -i {
					o.count[i]++
				}
				seen++
			}
		}
	}
	return total
}
