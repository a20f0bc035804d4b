package graph

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/internal/workflows"
	"github.com/airside-dev/flightdeck/ui/theme"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return t0.Add(-d) }

func styles(p termenv.Profile) theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return theme.New(r)
}

// jobs builds finished jobs from "name:need,need" specs.
func jobs(specs ...string) []model.Job {
	out := make([]model.Job, 0, len(specs))
	for i, s := range specs {
		name, needs, _ := strings.Cut(s, ":")
		j := model.Job{Name: name, Status: model.RunSuccess,
			StartedAt: ago(time.Duration(30-i) * time.Minute), StoppedAt: ago(time.Duration(29-i) * time.Minute)}
		if needs != "" {
			j.Needs = strings.Split(needs, ",")
		}
		out = append(out, j)
	}
	return out
}

func fan(prefix string, n int, needs string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d:%s", prefix, i+1, needs)
	}
	return out
}

// classic is the CircleCI release workflow waiting at its approval.
func classic() []model.Job {
	return []model.Job{
		{Name: "build", Status: model.RunSuccess, StartedAt: ago(20 * time.Minute), StoppedAt: ago(18 * time.Minute)},
		{Name: "test", Status: model.RunSuccess, Needs: []string{"build"}, StartedAt: ago(18 * time.Minute), StoppedAt: ago(13 * time.Minute)},
		{Name: "deploy-staging", Status: model.RunSuccess, Needs: []string{"test"}, StartedAt: ago(13 * time.Minute), StoppedAt: ago(9 * time.Minute)},
		{Name: "hold-production", Status: model.RunOnHold, Approval: true, Needs: []string{"deploy-staging"}, StartedAt: ago(9 * time.Minute)},
		{Name: "deploy-production", Status: model.RunBlocked, Needs: []string{"hold-production"}},
	}
}

// everyStatus is a fan-out whose branches show each status once.
func everyStatus() []model.Job {
	js := []model.Job{{Name: "build", Status: model.RunSuccess, StartedAt: ago(time.Hour), StoppedAt: ago(58 * time.Minute)}}
	for _, s := range []model.RunStatus{model.RunRunning, model.RunFailed, model.RunOnHold, model.RunQueued,
		model.RunBlocked, model.RunSkipped, model.RunCanceled} {
		j := model.Job{Name: "job-" + string(s), Status: s, Needs: []string{"build"}}
		switch s {
		case model.RunRunning, model.RunOnHold:
			j.StartedAt = ago(95 * time.Second)
		case model.RunFailed:
			j.StartedAt, j.StoppedAt = ago(10*time.Minute), ago(8*time.Minute)
		}
		js = append(js, j)
	}
	return js
}

var goldenCases = []struct {
	name string
	jobs []model.Job
}{
	{"chain", jobs("build", "test:build", "deploy:test")},
	{"diamond", jobs("build", "unit:build", "lint:build", "deploy:unit,lint")},
	{"fan-out", jobs(append([]string{"build"}, fan("test", 6, "build")...)...)},
	{"fan-in", jobs(append(fan("build", 6, ""), "release:build-1,build-2,build-3,build-4,build-5,build-6")...)},
	{"skipped-layer", jobs("build", "test:build", "deploy:test,build")},
	{"classic", classic()},
	// Two builds feed an end-to-end suite and a test each: no single line
	// per group can say that, so the gap is drawn lane by lane.
	{"tangled", jobs("build-api", "build-web", "test-api:build-api", "e2e:build-api,build-web", "test-web:build-web")},
	{"statuses", everyStatus()},
	// Too long for 80 columns even shortened: cut at the right, to scroll.
	{"long-names", longNames()},
}

func longNames() []model.Job {
	js := jobs("checkout-and-restore-caches", "build-docker-image:checkout-and-restore-caches",
		"integration-tests-eu-west-1:build-docker-image", "deploy-staging-eu-west-1:integration-tests-eu-west-1",
		"hold-production-eu-west-1:deploy-staging-eu-west-1", "deploy-production-eu-west-1:hold-production-eu-west-1",
		"notify-release-channel:deploy-production-eu-west-1")
	js[4].Approval, js[4].Status, js[4].StoppedAt = true, model.RunOnHold, time.Time{}
	for i := 5; i < len(js); i++ {
		js[i].Status, js[i].StartedAt, js[i].StoppedAt = model.RunBlocked, time.Time{}, time.Time{}
	}
	return js
}

func TestGolden(t *testing.T) {
	st := styles(termenv.Ascii)
	for _, c := range goldenCases {
		g, err := model.LayoutGraph(c.jobs)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{80, 160} {
			t.Run(fmt.Sprintf("%s/%d", c.name, w), func(t *testing.T) {
				f := Render(g, st, Options{Width: w, Now: t0})
				checkWidth(t, f, w)
				golden.RequireEqual(t, []byte(f.String()+"\n"))
			})
		}
	}
}

func checkWidth(t *testing.T, f Frame, w int) {
	t.Helper()
	for i, l := range f.Lines {
		if format.Width(l) > w {
			t.Fatalf("line %d is %d wide, more than %d:\n%s", i, format.Width(l), w, l)
		}
		if strings.HasSuffix(l, " ") {
			t.Fatalf("line %d ends in a space: %q", i, l)
		}
	}
}

// TestNarrow shortens names before giving up and scrolling.
func TestNarrow(t *testing.T) {
	st := styles(termenv.Ascii)
	g, _ := model.LayoutGraph(classic())
	full := Render(g, st, Options{Now: t0})
	for _, tt := range []struct {
		width, offset int
		wantWidth     int
		first, last   string // of the name line
	}{
		{width: 0, wantWidth: 87, first: "│ build ├", last: "┤ deploy-production │"},
		{width: 87, wantWidth: 87, first: "│ build ├", last: "┤ deploy-production │"},
		{width: 86, wantWidth: 77, first: "│build├", last: "┤deploy-production│"},
		{width: 70, wantWidth: 70, first: "│build├", last: "┤deploy-produ…│"},
		// At the floor the graph keeps its width and the window scrolls.
		{width: 50, wantWidth: 55, first: "│build├", last: "┤depl"},
		{width: 50, offset: 3, wantWidth: 55, first: "ild├", last: "┤deploy-"},
		{width: 50, offset: 99, wantWidth: 55, first: "d├", last: "┤deploy-…│"},
	} {
		t.Run(fmt.Sprint(tt.width, "+", tt.offset), func(t *testing.T) {
			f := Render(g, st, Options{Width: tt.width, Offset: tt.offset, Now: t0})
			if f.Width != tt.wantWidth {
				t.Errorf("Width = %d, want %d", f.Width, tt.wantWidth)
			}
			if tt.width > 0 {
				checkWidth(t, f, tt.width)
			}
			name := f.Lines[1]
			if !strings.HasPrefix(name, tt.first) || !strings.HasSuffix(name, tt.last) {
				t.Errorf("name line %q, want %q … %q", name, tt.first, tt.last)
			}
		})
	}
	if len(full.Lines) != 4 {
		t.Errorf("classic is %d lines, want 4", len(full.Lines))
	}
}

// TestColour: the ASCII profile (NO_COLOR, --no-color) sends no escape
// codes, and colour changes nothing but escape codes.
func TestColour(t *testing.T) {
	g, _ := model.LayoutGraph(everyStatus())
	plain := Render(g, styles(termenv.Ascii), Options{Width: 120, Now: t0}).String()
	if strings.Contains(plain, "\x1b") {
		t.Fatalf("escape codes without colour:\n%q", plain)
	}
	coloured := Render(g, styles(termenv.TrueColor), Options{Width: 120, Now: t0}).String()
	if !strings.Contains(coloured, "\x1b[") {
		t.Fatal("no escape codes with colour")
	}
	if got := ansi.Strip(coloured); got != plain {
		t.Errorf("colour changed the text:\n%s\nwant\n%s", got, plain)
	}
}

func TestLabels(t *testing.T) {
	st := styles(termenv.Ascii)
	for _, tt := range []struct {
		job  model.Job
		want string
	}{
		{model.Job{Status: model.RunSuccess, StartedAt: ago(5 * time.Minute), StoppedAt: ago(time.Minute)}, "✓ 4m"},
		{model.Job{Status: model.RunFailed, StartedAt: ago(time.Minute), StoppedAt: ago(20 * time.Second)}, "✗ 40s"},
		{model.Job{Status: model.RunRunning, StartedAt: ago(2*time.Hour + 5*time.Minute)}, "◐ 2h 5m"},
		{model.Job{Status: model.RunOnHold, StartedAt: ago(3 * time.Minute)}, "⏸ 3m"},
		{model.Job{Status: model.RunOnHold}, "⏸ on hold"},
		{model.Job{Status: model.RunQueued}, "○ queued"},
		{model.Job{Status: model.RunBlocked}, "· blocked"},
		{model.Job{Status: model.RunSkipped}, "– skipped"},
		{model.Job{Status: model.RunCanceled, StartedAt: ago(time.Minute)}, "⊘ canceled"},
		{model.Job{Status: model.RunSuccess, StartedAt: ago(time.Minute)}, "✓ success"},
	} {
		lb := newLabel(&tt.job, st, t0)
		if got := lb.glyph + " " + lb.status; got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.job, got, tt.want)
		}
	}
	// Without a clock a running job says so rather than guessing.
	run := model.Job{Status: model.RunRunning, StartedAt: ago(time.Minute)}
	if lb := newLabel(&run, st, time.Time{}); lb.status != "running" {
		t.Errorf("running with no clock: %q", lb.status)
	}
}

func TestMissingNeedsAreNoted(t *testing.T) {
	g, err := model.LayoutGraph(jobs("build", "deploy:build,lint"))
	if err != nil {
		t.Fatal(err)
	}
	f := Render(g, styles(termenv.Ascii), Options{Width: 40, Now: t0})
	if got, want := f.Lines[len(f.Lines)-1], "⚠ deploy needs lint, which is not in th…"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	checkWidth(t, f, 40)
}

// TestTiny: however little room there is, no line is wider than it.
func TestTiny(t *testing.T) {
	g, _ := model.LayoutGraph(jobs("build", "deploy:build,lint"))
	for w := 1; w <= 12; w++ {
		for _, off := range []int{-5, 0, 3, 100} {
			checkWidth(t, Render(g, styles(termenv.Ascii), Options{Width: w, Offset: off, Now: t0}), w)
		}
	}
}

func TestEmpty(t *testing.T) {
	st := styles(termenv.Ascii)
	if f := Render(nil, st, Options{Width: 80}); len(f.Lines) != 0 || f.Width != 0 {
		t.Errorf("nil layout drew %+v", f)
	}
	g, _ := model.LayoutGraph(nil)
	if f := Render(g, st, Options{Width: 80}); len(f.Lines) != 0 {
		t.Errorf("empty workflow drew %+v", f)
	}
}

// TestReadsRight follows the drawn lines of random workflows the way a
// reader does, never leftwards and straight over crossings, and checks that
// from each job they lead to exactly the jobs that need it.
func TestReadsRight(t *testing.T) {
	st := styles(termenv.Ascii)
	for seed := range uint64(300) {
		js := tangle(8+int(seed%40), seed)
		g, err := model.LayoutGraph(js)
		if err != nil {
			t.Fatal(err)
		}
		d := newDrawing(g, st, t0)
		d.route()
		d.fit(0)
		c := d.draw(0, d.width, 0, d.height)
		ports, _ := d.rows.ports()
		boxAt := map[[2]int]int{} // left border cell at the port line → job
		for i := range g.Jobs {
			nd := g.Nodes[i]
			boxAt[[2]int{d.x[nd.Layer], ports[nd.Row]}] = i
		}
		for i := range g.Jobs {
			nd := g.Nodes[i]
			got := follow(c, boxAt, d.x[nd.Layer]+d.boxWidth(nd.Layer), ports[nd.Row])
			if want := dependents(g, i); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("seed %d: from %s the lines lead to %v, want %v\n%s",
					seed, js[i].Name, names(js, got), names(js, want), strings.Join(c.lines(), "\n"))
			}
		}
	}
}

// tangle is a random workflow: each job needs up to three of the six
// before it, which gives crossings, skips, fan-ins and fan-outs.
func tangle(n int, seed uint64) []model.Job {
	r := rand.New(rand.NewPCG(seed, 2))
	js := make([]model.Job, n)
	for i := range js {
		js[i] = model.Job{Name: fmt.Sprintf("j%d", i), Status: model.RunSuccess}
		for k := r.IntN(4); k > 0 && i > 0; k-- {
			js[i].Needs = append(js[i].Needs, js[max(0, i-1-r.IntN(6))].Name)
		}
	}
	return js
}

func names(js []model.Job, idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = js[i].Name
	}
	return out
}

// dependents lists the jobs whose edges from job i lead to, through
// pass-through points, in job order.
func dependents(g *model.GraphLayout, i int) []int {
	seen := map[int]bool{}
	var walk func(v int)
	walk = func(v int) {
		for _, e := range g.Edges {
			if e.From != v {
				continue
			}
			if g.Nodes[e.To].PassThrough() {
				walk(e.To)
			} else {
				seen[g.Nodes[e.To].Job] = true
			}
		}
	}
	walk(i)
	var out []int
	for j := range g.Jobs {
		if seen[j] {
			out = append(out, j)
		}
	}
	return out
}

// follow walks the lines leaving a box at (x, y) and returns the jobs whose
// left border it reaches, in job order.
func follow(c *canvas, boxAt map[[2]int]int, x, y int) []int {
	type step struct{ x, y, dir int }
	moves := map[int][2]int{dirRight: {1, 0}, dirUp: {0, -1}, dirDown: {0, 1}}
	opposite := map[int]int{dirRight: dirLeft, dirUp: dirDown, dirDown: dirUp}
	seen := map[step]bool{}
	reached := map[int]bool{}
	queue := []step{{x, y, dirRight}}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s.x >= c.w || s.y < 0 || s.y >= c.h || seen[s] {
			continue
		}
		seen[s] = true
		cl := c.at(s.x, s.y)
		if cl.r != 0 {
			if j, ok := boxAt[[2]int{s.x, s.y}]; ok && s.dir == dirRight {
				reached[j] = true
			}
			continue
		}
		var exits []int
		switch mask := int(cl.dirs); {
		case cl.joint:
			if mask&opposite[s.dir] == 0 {
				continue // the line ends before this joint
			}
			for _, d := range []int{dirRight, dirUp, dirDown} {
				if mask&d != 0 && d != opposite[s.dir] {
					exits = append(exits, d)
				}
			}
		case s.dir == dirRight && mask&horizontal != 0, s.dir != dirRight && mask&^horizontal != 0:
			exits = []int{s.dir} // straight on, over any crossing
		}
		for _, d := range exits {
			m := moves[d]
			queue = append(queue, step{s.x + m[0], s.y + m[1], d})
		}
	}
	var out []int
	for j := range len(boxAt) {
		if reached[j] {
			out = append(out, j)
		}
	}
	return out
}

// monorepo is a 200-job release workflow (see workflows.Monorepo).
func monorepo() []model.Job { return workflows.Monorepo(39, t0) }

// BenchmarkLayoutAndRender200 lays out and draws a 200-job workflow at
// 160 columns: a structured monorepo release, and a random tangle that
// takes the lane-by-lane routing everywhere.
func BenchmarkLayoutAndRender200(b *testing.B) {
	for _, w := range []struct {
		name string
		jobs []model.Job
	}{{"monorepo", monorepo()}, {"tangle", tangle(200, 7)}} {
		if len(w.jobs) != 200 {
			b.Fatalf("%s has %d jobs", w.name, len(w.jobs))
		}
		for _, p := range []struct {
			name    string
			profile termenv.Profile
		}{{"ascii", termenv.Ascii}, {"truecolor", termenv.TrueColor}} {
			st := styles(p.profile)
			b.Run(w.name+"/"+p.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					g, err := model.LayoutGraph(w.jobs)
					if err != nil {
						b.Fatal(err)
					}
					Render(g, st, Options{Width: 160, Now: t0})
				}
			})
		}
		g, _ := model.LayoutGraph(w.jobs)
		st := styles(termenv.TrueColor)
		b.Run(w.name+"/render-only", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Render(g, st, Options{Width: 160, Now: t0})
			}
		})
	}
}
