package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// graphJobs builds a workflow from "name:need,need" specs.
func graphJobs(specs ...string) []Job {
	out := make([]Job, 0, len(specs))
	for _, s := range specs {
		name, needs, _ := strings.Cut(s, ":")
		j := Job{Name: name}
		if needs != "" {
			j.Needs = strings.Split(needs, ",")
		}
		out = append(out, j)
	}
	return out
}

// graphNodeName is a job's name, or "(a)" for a point on a's edges.
func graphNodeName(g *GraphLayout, v int) string {
	for g.Nodes[v].PassThrough() {
		for _, e := range g.Edges {
			if e.To == v {
				v = e.From
				break
			}
		}
		if !g.Nodes[v].PassThrough() {
			return "(" + g.Jobs[g.Nodes[v].Job].Name + ")"
		}
	}
	return g.Jobs[g.Nodes[v].Job].Name
}

// describeLayers writes each layer as "name:row name:row".
func describeLayers(g *GraphLayout) []string {
	out := make([]string, len(g.Layers))
	for l, layer := range g.Layers {
		parts := make([]string, len(layer))
		for i, v := range layer {
			parts[i] = graphNodeName(g, v) + ":" + strconv.Itoa(g.Nodes[v].Row)
		}
		out[l] = strings.Join(parts, " ")
	}
	return out
}

func describeEdges(g *GraphLayout) []string {
	out := make([]string, len(g.Edges))
	for i, e := range g.Edges {
		out[i] = graphNodeName(g, e.From) + "→" + graphNodeName(g, e.To)
	}
	return out
}

func numberedJobs(prefix string, n int, needs string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d:%s", prefix, i, needs)
	}
	return out
}

func numberedRows(prefix string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%s%02d:%d", prefix, i, i)
	}
	return strings.Join(parts, " ")
}

func TestLayoutGraph(t *testing.T) {
	fanIn := numberedJobs("s", 30, "")
	tests := []struct {
		name      string
		jobs      []Job
		layers    []string
		edges     []string // checked when set
		rows      int
		missing   []MissingNeed
		duplicate []string
	}{
		{name: "empty", jobs: nil, layers: []string{}},
		{name: "chain", jobs: graphJobs("build", "test:build", "deploy:test"),
			layers: []string{"build:0", "test:0", "deploy:0"}, rows: 1,
			edges: []string{"build→test", "test→deploy"}},
		{name: "diamond", jobs: graphJobs("a", "b:a", "c:a", "d:b,c"),
			layers: []string{"a:0", "b:0 c:1", "d:0"}, rows: 2},
		{name: "fan-out", jobs: graphJobs(append([]string{"root"}, numberedJobs("t", 30, "root")...)...),
			layers: []string{"root:0", numberedRows("t", 30)}, rows: 30},
		{name: "fan-in", jobs: graphJobs(append(fanIn, "sink:"+strings.Join(specNames(fanIn), ","))...),
			layers: []string{numberedRows("s", 30), "sink:0"}, rows: 30},
		{name: "skipped layer", jobs: graphJobs("a", "b:a", "c:b,a"),
			layers: []string{"a:0", "b:0 (a):1", "c:0"}, rows: 2,
			edges: []string{"a→(a)", "a→b", "b→c", "(a)→c"}},
		{name: "skips share one run", jobs: graphJobs("a", "b:a", "c:b,a", "d:c,a"),
			layers: []string{"a:0", "b:0 (a):1", "c:0 (a):1", "d:0"}, rows: 2,
			edges: []string{"a→(a)", "(a)→(a)", "a→b", "b→c", "(a)→c", "c→d", "(a)→d"}},
		{name: "disconnected job", jobs: graphJobs("a", "b:a", "lint"),
			layers: []string{"a:0 lint:1", "b:0"}, rows: 2},
		{name: "crossing undone", jobs: graphJobs("a", "b", "c:b", "d:a"),
			layers: []string{"a:0 b:1", "d:0 c:1"}, rows: 2},
		{name: "duplicate names", jobs: graphJobs("build", "test:build", "test:build", "deploy:test"),
			layers: []string{"build:0", "test:0 test:1", "deploy:0"}, rows: 2,
			edges:     []string{"build→test", "build→test", "test→deploy", "test→deploy"},
			duplicate: []string{"test"}},
		{name: "unknown need", jobs: graphJobs("build", "deploy:build,lint,lint"),
			layers: []string{"build:0", "deploy:0"}, rows: 1,
			missing: []MissingNeed{{Job: "deploy", Need: "lint"}}},
		{name: "repeated need", jobs: graphJobs("build", "deploy:build,build"),
			layers: []string{"build:0", "deploy:0"}, rows: 1, edges: []string{"build→deploy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := LayoutGraph(tt.jobs)
			if err != nil {
				t.Fatal(err)
			}
			if got := describeLayers(g); !reflect.DeepEqual(got, tt.layers) {
				t.Errorf("layers:\n got %q\nwant %q", got, tt.layers)
			}
			if tt.edges != nil {
				if got := describeEdges(g); !reflect.DeepEqual(got, tt.edges) {
					t.Errorf("edges:\n got %q\nwant %q", got, tt.edges)
				}
			}
			if g.Rows != tt.rows {
				t.Errorf("rows = %d, want %d", g.Rows, tt.rows)
			}
			if !reflect.DeepEqual(g.Missing, tt.missing) {
				t.Errorf("missing = %v, want %v", g.Missing, tt.missing)
			}
			if !reflect.DeepEqual(g.Duplicates, tt.duplicate) {
				t.Errorf("duplicates = %v, want %v", g.Duplicates, tt.duplicate)
			}
			if c := g.Crossings(); c != 0 {
				t.Errorf("crossings = %d, want 0", c)
			}
			checkLayout(t, g)
		})
	}
}

func specNames(specs []string) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i], _, _ = strings.Cut(s, ":")
	}
	return out
}

func TestLayoutGraphCycles(t *testing.T) {
	tests := []struct {
		name string
		jobs []Job
		want string
	}{
		{"self", graphJobs("a:a"), "a → a"},
		{"self among others", graphJobs("build", "test:build,test", "deploy:test"), "test → test"},
		{"two", graphJobs("a:b", "b:a"), "a → b → a"},
		{"three", graphJobs("a:c", "b:a", "c:b"), "a → b → c → a"},
		{"found from downstream", graphJobs("x", "d:c", "a:x,c", "b:a", "c:b"), "a → b → c → a"},
		{"through a duplicate", graphJobs("a:b", "b:a", "b"), "a → b → a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := LayoutGraph(tt.jobs)
			if g != nil || !errors.Is(err, ErrCycle) {
				t.Fatalf("LayoutGraph = %v, %v; want a cycle error", g, err)
			}
			var ce *CycleError
			if !errors.As(err, &ce) || strings.Join(ce.Jobs, " → ") != tt.want {
				t.Fatalf("cycle = %v, want %s", err, tt.want)
			}
			if want := "workflow graph: cycle " + tt.want; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err, want)
			}
		})
	}
}

// randomWorkflow is a workflow of n jobs where each needs up to three of the
// 25 jobs before it: wide, deep and tangled, like a large monorepo's CI.
func randomWorkflow(n int, seed uint64) []Job {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]Job, n)
	for i := range out {
		out[i] = Job{Name: fmt.Sprintf("job-%03d", i)}
		if i == 0 {
			continue
		}
		for range r.IntN(4) {
			out[i].Needs = append(out[i].Needs, out[max(0, i-1-r.IntN(25))].Name)
		}
	}
	return out
}

func TestLayoutGraphRandom(t *testing.T) {
	for seed := range uint64(20) {
		js := randomWorkflow(120, seed)
		g, err := LayoutGraph(js)
		if err != nil {
			t.Fatal(err)
		}
		checkLayout(t, g)
		again, _ := LayoutGraph(randomWorkflow(120, seed))
		if !reflect.DeepEqual(g, again) {
			t.Fatalf("seed %d: same jobs gave different layouts", seed)
		}
	}
}

// TestOrderingCutsCrossings compares the crossings left with those of the
// unordered layering on random workflows: the sweeps must never make things
// worse and should usually help a lot.
func TestOrderingCutsCrossings(t *testing.T) {
	before, after := 0, 0
	for seed := range uint64(10) {
		js := randomWorkflow(150, seed)
		g, err := LayoutGraph(js)
		if err != nil {
			t.Fatal(err)
		}
		raw := &GraphLayout{Jobs: js}
		needs := raw.resolveNeeds()
		layer, _ := layerJobs(js, needs)
		raw.build(needs, layer)
		b, a := raw.Crossings(), g.Crossings()
		if a > b {
			t.Errorf("seed %d: %d crossings after ordering, %d before", seed, a, b)
		}
		before, after = before+b, after+a
	}
	if after*2 > before {
		t.Errorf("ordering left %d of %d crossings", after, before)
	}
}

// checkLayout asserts what a renderer relies on.
func checkLayout(t *testing.T, g *GraphLayout) {
	t.Helper()
	for l, layer := range g.Layers {
		prev := -1
		for _, v := range layer {
			n := g.Nodes[v]
			if n.Layer != l || n.Row <= prev || n.Row >= g.Rows {
				t.Fatalf("node %d (%+v) badly placed in layer %d after row %d", v, n, l, prev)
			}
			prev = n.Row
		}
	}
	for _, e := range g.Edges {
		if g.Nodes[e.To].Layer != g.Nodes[e.From].Layer+1 {
			t.Fatalf("edge %v skips a layer", e)
		}
	}
	// Each job sits one layer past its furthest need, and reaches each of
	// its needs through pass-through points only.
	for i, j := range g.Jobs {
		want := 0
		for _, need := range j.Needs {
			for k, o := range g.Jobs {
				if o.Name != need {
					continue
				}
				want = max(want, g.Nodes[k].Layer+1)
				if !reachesThrough(g, k, i) {
					t.Fatalf("%s does not reach %s", need, j.Name)
				}
			}
		}
		if g.Nodes[i].Layer != want {
			t.Fatalf("%s in layer %d, want %d", j.Name, g.Nodes[i].Layer, want)
		}
	}
}

func reachesThrough(g *GraphLayout, from, to int) bool {
	for _, e := range g.Edges {
		if e.From != from {
			continue
		}
		if e.To == to || (g.Nodes[e.To].PassThrough() && reachesThrough(g, e.To, to)) {
			return true
		}
	}
	return false
}

func BenchmarkLayoutGraph200(b *testing.B) {
	js := randomWorkflow(200, 7)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LayoutGraph(js); err != nil {
			b.Fatal(err)
		}
	}
}
