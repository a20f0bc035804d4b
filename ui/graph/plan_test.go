package graph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/internal/workflows"
)

// rendered is what Render draws of jobs, the reference a plan's windows
// must match line for line.
func rendered(t *testing.T, jobs []model.Job, o Options) []string {
	t.Helper()
	g, err := model.LayoutGraph(jobs)
	if err != nil {
		t.Fatal(err)
	}
	return Render(g, styles(termenv.TrueColor), o).Lines
}

// sameWindows checks that every window of the plan is the same lines
// Render gives, and that the plan is as tall.
func sameWindows(t *testing.T, p *Plan, want []string, offset int, r *rand.Rand) {
	t.Helper()
	if h := p.Height(offset); h != len(want) {
		t.Fatalf("offset %d: height %d, Render gives %d lines", offset, h, len(want))
	}
	wins := [][2]int{{0, len(want)}, {0, 1}, {len(want) - 1, len(want) + 5}, {-3, 2}}
	for range 20 {
		a := r.IntN(len(want) + 1)
		wins = append(wins, [2]int{a, a + r.IntN(50)})
	}
	for _, w := range wins {
		got := p.Lines(offset, w[0], w[1])
		exp := want[max(0, w[0]):min(len(want), max(0, w[1]))]
		if !slices.Equal(got, exp) {
			t.Fatalf("offset %d, lines [%d, %d):\n%s\nRender:\n%s", offset, w[0], w[1], strings.Join(got, "\n"), strings.Join(exp, "\n"))
		}
	}
}

func TestPlanWindowsAreRenderLines(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := map[string][]model.Job{"monorepo": workflows.Monorepo(12, t0), "chain": graphJobs3()}
	for seed := range uint64(12) {
		shapes[fmt.Sprint("tangle", seed)] = tangle(10+int(seed)*7, seed)
	}
	withMissing := workflows.Monorepo(3, t0)
	withMissing[2].Needs = append(withMissing[2].Needs, "nowhere")
	shapes["missing"] = withMissing
	for name, jobs := range shapes {
		p := NewPlan(styles(termenv.TrueColor))
		for _, width := range []int{0, 2, 40, 90, 160} {
			for _, offset := range []int{0, 25, 10_000} {
				t.Run(fmt.Sprint(name, "/", width, "/", offset), func(t *testing.T) {
					if err := p.Sync(jobs, width, t0); err != nil {
						t.Fatal(err)
					}
					sameWindows(t, p, rendered(t, jobs, Options{Width: width, Offset: offset, Now: t0}), offset, r)
				})
			}
		}
	}
}

func graphJobs3() []model.Job {
	return []model.Job{{Name: "build", Status: model.RunSuccess}, {Name: "test", Needs: []string{"build"}, Status: model.RunRunning, StartedAt: ago(time.Minute)},
		{Name: "deploy", Needs: []string{"test"}, Status: model.RunBlocked}}
}

// TestPlanFollowsWhatIsDrawn: whatever changes what a box shows (its
// status, its times, the clock for a running job, the width, the shape)
// shows on the very next frame; what does not leaves the layout alone.
func TestPlanFollowsWhatIsDrawn(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base := workflows.Monorepo(12, t0)
	p := NewPlan(styles(termenv.TrueColor))
	if err := p.Sync(base, 120, t0); err != nil {
		t.Fatal(err)
	}
	layout := p.layout
	before := p.Lines(0, 0, p.Height(0))
	step := func(name string, jobs []model.Job, width int, now time.Time) {
		t.Helper()
		if err := p.Sync(jobs, width, now); err != nil {
			t.Fatal(err)
		}
		want := rendered(t, jobs, Options{Width: width, Now: now})
		if slices.Equal(want, before) {
			t.Fatalf("%s: the change draws nothing new; the test proves nothing", name)
		}
		sameWindows(t, p, want, 0, r)
		before = want
	}
	failed := slices.Clone(base)
	i := slices.IndexFunc(failed, func(j model.Job) bool { return j.Name == "unit-service-04" })
	failed[i].Status = model.RunFailed
	step("a job fails", failed, 120, t0)
	if p.layout != layout {
		t.Error("a status change laid the graph out again")
	}
	step("the clock moves a running job on", failed, 120, t0.Add(3*time.Minute))
	gate := slices.Clone(failed)
	gate[i].Approval = true
	step("a job becomes a gate", gate, 120, t0.Add(3*time.Minute))
	step("the terminal narrows", gate, 70, t0.Add(3*time.Minute))
	if p.layout != layout {
		t.Error("a width change laid the graph out again")
	}
	renamed := slices.Clone(gate)
	renamed[0].Name = "fetch"
	for k := range renamed {
		if slices.Contains(renamed[k].Needs, "checkout") {
			renamed[k].Needs = []string{"fetch"}
		}
	}
	step("the shape changes", renamed, 70, t0.Add(3*time.Minute))
	if p.layout == layout {
		t.Error("a new shape kept the old layout")
	}
}

func TestPlanKeepsTheCycle(t *testing.T) {
	p := NewPlan(styles(termenv.Ascii))
	jobs := []model.Job{{Name: "a", Needs: []string{"b"}}, {Name: "b", Needs: []string{"a"}}}
	for range 2 {
		if err := p.Sync(jobs, 80, t0); !errors.Is(err, model.ErrCycle) {
			t.Fatalf("want the cycle, got %v", err)
		}
		if h := p.Height(0); h != 0 || p.Lines(0, 0, 10) != nil {
			t.Fatalf("a graph that cannot be laid out draws nothing, got %d lines", h)
		}
	}
}
