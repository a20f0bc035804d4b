package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// UI tests stub the provider interface: they test the screen, not AWS.
// Provider behaviour is tested against the simulator and moto_server.

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

type fakeSource struct {
	mu    sync.Mutex
	name  string
	envs  []model.EnvStatus
	err   error
	calls int
}

func (f *fakeSource) Name() string { return f.name }
func (f *fakeSource) Kind() string { return "aws" }
func (f *fakeSource) Covers() []model.EnvKey {
	keys := make([]model.EnvKey, len(f.envs))
	for i, e := range f.envs {
		keys[i] = e.Key()
	}
	return keys
}
func (f *fakeSource) Fetch(context.Context) ([]model.EnvStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return append([]model.EnvStatus(nil), f.envs...), nil
}

func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

func sha(c byte) string {
	b := make([]byte, 40)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// world builds four services on two environments, one of each state.
func world() ([]model.ServiceSpec, *fakeSource) {
	names := []string{"api", "web", "worker", "payments"}
	var specs []model.ServiceSpec
	src := &fakeSource{name: "aws us-east-1"}
	for i, n := range names {
		specs = append(specs, model.ServiceSpec{Name: n, Environments: []model.EnvSpec{
			{Name: "staging", Target: model.TargetECS}, {Name: "production", Target: model.TargetECS, Protected: true}}})
		st := model.EnvStatus{Service: n, Environment: "staging", Target: model.TargetECS, State: model.StateSteady,
			Version: model.Version{SHA: sha("abcd"[i]), Artifact: fmt.Sprintf("acme/%s:%s", n, sha("abcd"[i])[:7]), Revision: n + ":42"},
			Since:   t0.Add(-12 * time.Minute)}
		pr := st
		pr.Environment = "production"
		pr.Since = t0.Add(-50 * time.Hour)
		switch n {
		case "web":
			st.State = model.StateDeploying
			st.Deployment = &model.Deployment{FromSHA: sha('9'), ToSHA: st.Version.SHA, Running: 3, Desired: 5, StartedAt: t0.Add(-time.Minute)}
			st.Rollouts = []model.Rollout{
				{Status: "PRIMARY", State: "IN_PROGRESS", Version: st.Version, Running: 3, Desired: 5},
				{Status: "ACTIVE", State: "COMPLETED", Version: model.Version{SHA: sha('9')}, Running: 2, Desired: 5}}
		case "worker":
			pr.Version.SHA = sha('7')
		case "payments":
			pr.State = model.StateRolledBack
			pr.Version.SHA = sha('5')
			pr.Deployment = &model.Deployment{FromSHA: sha('6'), ToSHA: sha('5'), Running: 2, Desired: 2, Reason: "ECS deployment circuit breaker: tasks failed to start.",
				StoppedTasks: []model.StoppedGroup{{Count: 3, Reason: "Essential container in task exited", StopCode: "EssentialContainerExited",
					Containers: []model.StoppedContainer{{Name: "api", ExitCode: exit(137), Reason: "OutOfMemoryError: Container killed due to memory usage"}}}}}
			pr.Events = []model.Event{{At: t0.Add(-2 * time.Minute), Message: "(service payments) rolling back to deployment ecs-svc/1."}}
		}
		src.envs = append(src.envs, st, pr)
	}
	return specs, src
}

func exit(n int) *int { return &n }

var errBoom = errors.New("ecs: describe services in staging: operation error ECS: DescribeServices, ServerException: Service unavailable.")

// registry serves each source's environments and services, as the commands' is.
func registry(srcs []providers.DeploySource, ci ...providers.CISource) *providers.Registry {
	r := providers.NewRegistry()
	for _, s := range srcs {
		r.AddSource(s)
	}
	for _, c := range ci {
		r.AddCI(c)
	}
	return r
}

// everyRepo names repo as the repository of every service on m's board,
// as the tests' one fake lineage serves them all.
func everyRepo(m Model, repo string) map[string]string {
	out := map[string]string{}
	for _, s := range m.opts.Services {
		out[s.Name] = repo
	}
	return out
}
