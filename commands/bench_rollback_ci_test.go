package commands

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim"
)

var pipelineRowRe = regexp.MustCompile(`▸ ([0-9a-f]{7}) .*✓ re-run deploy-production of pipeline #\d+`)

// BenchmarkRollbackViaCILatency measures issue 19's number with the real
// TUI model, the real pipeline, the real CircleCI and ECS providers and
// the sim over loopback HTTP: from the key that confirms a pipeline row
// chosen in the picker (re-run deploy-production of an older pipeline) to
// the rerun request reaching CircleCI, and to the board showing
// production rolling to the pipeline's commit. The world's clock moves
// one simulated second per step, only after the confirmation, so the sim
// time the re-run took to start deploying is counted apart from the wall
// time the TUI took to show it.
func BenchmarkRollbackViaCILatency(b *testing.B) {
	var toRerun, toBoard time.Duration
	var simSecs float64
	for range b.N {
		b.StopTimer()
		clk := fakeclock.New(time.Now())
		var mu sync.Mutex
		var marked bool
		var rerunAt time.Time
		r := newRig(b, rigOptions{world: sim.Options{Seed: 7, Clock: clk}, wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
				mu.Lock()
				if marked && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/rerun") && rerunAt.IsZero() {
					rerunAt = time.Now()
				}
				mu.Unlock()
				h.ServeHTTP(rw, req)
			})
		}})
		chosen := r.driveToPipelineRow(b)
		mu.Lock()
		marked = true
		mu.Unlock()
		b.StartTimer()
		start := time.Now()
		r.update1(tea.KeyMsg{Type: tea.KeyEnter})
		r.until(b, "the rerun to be sent", 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return !rerunAt.IsZero() })
		// The world moves a simulated second at a time until the re-run
		// deploy job has started its ECS deployment, then stands still
		// while the board catches up.
		steps := 0
		for !deployStarted(r.world, chosen) {
			if steps > 600 {
				b.Fatalf("the re-run of %s did not deploy in 10 simulated minutes:\n%s", chosen, r.view())
			}
			r.world.Step(clk.Advance(time.Second))
			steps++
		}
		r.until(b, "the board to show "+chosen+" rolling", 20*time.Second, func() bool { return r.shows(chosen + " ◐") })
		shown := time.Now()
		b.StopTimer()
		mu.Lock()
		toRerun += rerunAt.Sub(start)
		mu.Unlock()
		toBoard += shown.Sub(start)
		simSecs += float64(steps)
	}
	n := float64(b.N)
	b.ReportMetric(float64(toRerun.Microseconds())/n/1000, "ms-confirm-to-rerun-call")
	b.ReportMetric(float64(toBoard.Microseconds())/n/1000, "ms-confirm-to-board-rolling")
	b.ReportMetric(simSecs/n, "sim-s-to-rolling")
}

// deployStarted says whether a rerun of the pipeline of the commit
// sha7 has started deploying it to production.
func deployStarted(w *sim.World, sha7 string) bool {
	for _, p := range w.Pipelines("api") {
		if !strings.HasPrefix(p.SHA, sha7) {
			continue
		}
		for _, wf := range p.Workflows {
			if j := wf.Job("deploy-production"); wf.RerunOf != "" && j != nil && j.ServiceDeploymentArn != "" {
				return true
			}
		}
	}
	return false
}

// driveToPipelineRow opens the picker on api/production, moves to the
// newest older pipeline's deploy job and types the environment's name
// into the confirmation. It returns the commit chosen.
func (r *latencyRig) driveToPipelineRow(b *testing.B) string {
	for _, k := range []string{"l", "l", "r"} {
		r.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	r.until(b, "the history", 10*time.Second, func() bool { return r.shows("ARTIFACT") && !r.shows("loading history") })
	for range 40 {
		if pipelineRowRe.MatchString(r.view()) {
			break
		}
		r.send(tea.KeyMsg{Type: tea.KeyDown})
	}
	m := pipelineRowRe.FindStringSubmatch(r.view())
	if m == nil {
		b.Fatalf("no pipeline row to pick:\n%s", r.view())
	}
	r.send(tea.KeyMsg{Type: tea.KeyEnter})
	r.until(b, "the confirmation", 5*time.Second, func() bool { return r.shows("Type its name") })
	for _, c := range "production" {
		r.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
	if !strings.Contains(r.view(), "matches") {
		b.Fatalf("the confirmation should be ready:\n%s", r.view())
	}
	return m[1]
}
