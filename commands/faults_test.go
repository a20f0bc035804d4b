package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
)

// The fault matrix of issue 13: every action, with its one mutating call
// hit by each fault a network or a service produces, against the real
// providers and a simulated world. What flightdeck reports must match what
// the world did: never "failed" for a call that acted, never "done" for
// one that did not. "unknown" is allowed only where reading again cannot
// tell, and is counted.

// actionFault is what happens to the mutating call.
type actionFault string

const (
	faultLost        actionFault = "answer lost after receipt" // the service acts, the connection drops
	faultTimeout     actionFault = "timeout after receipt"     // the service acts, the answer comes too late
	faultServerError actionFault = "5xx, not acted"            // the service fails before acting
	faultServerActed actionFault = "5xx after acting"          // the service acts, then answers 500
	faultThrottle    actionFault = "throttled"                 // the service refuses to act
)

// faultyProxy forwards to a world, and applies fault to the first mutating
// call it sees (then no more: the reads that follow are honest).
type faultyProxy struct {
	next    http.Handler
	fault   actionFault
	hold    time.Duration // how late a timed-out answer comes
	armed   atomic.Bool
	mutated atomic.Int32 // mutating calls that reached the world
}

func mutating(r *http.Request) bool {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		op := t[strings.LastIndex(t, ".")+1:]
		return op == "UpdateService" || op == "StopServiceDeployment" || op == "RegisterTaskDefinition" ||
			op == "DeleteServiceDeployment"
	}
	return r.Method == http.MethodPost
}

func (p *faultyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !mutating(r) {
		p.next.ServeHTTP(w, r)
		return
	}
	// RegisterTaskDefinition comes before a promotion's UpdateService; the
	// fault is for the call that moves the environment.
	target := r.Header.Get("X-Amz-Target")
	if strings.HasSuffix(target, "RegisterTaskDefinition") || !p.armed.CompareAndSwap(true, false) {
		p.mutated.Add(1)
		p.next.ServeHTTP(w, r)
		return
	}
	switch p.fault {
	case faultServerError:
		writeServiceError(w, r, http.StatusInternalServerError)
		return
	case faultThrottle:
		writeServiceError(w, r, http.StatusTooManyRequests)
		return
	}
	p.mutated.Add(1)
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	p.next.ServeHTTP(rec, r)
	switch p.fault {
	case faultLost:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	case faultTimeout:
		time.Sleep(p.hold)
	case faultServerActed:
		writeServiceError(w, r, http.StatusInternalServerError)
		return
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.code)
	_, _ = w.Write(rec.body.Bytes())
}

// writeServiceError answers as the service would: AWS's JSON shape (a 429
// is ECS's ThrottlingException), else GitHub's and CircleCI's message.
func writeServiceError(w http.ResponseWriter, r *http.Request, code int) {
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		typ, status := "ServerException", code
		if code == http.StatusTooManyRequests {
			typ, status = "ThrottlingException", http.StatusBadRequest
		}
		w.Header().Set("X-Amzn-Errortype", typ)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": "injected by the test"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if code == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": "injected by the test"})
}

// faultRig is a world behind a faulty proxy, the real providers on it and
// a pipeline with a short timeout.
type faultRig struct {
	proxy *faultyProxy
	w     *world
	p     *action.Pipeline
}

const faultTimeoutLimit = 1500 * time.Millisecond

func newFaultRig(t *testing.T, f actionFault) *faultRig {
	t.Setenv("CIRCLECI_TOKEN", "sim")
	t.Setenv("GH_TOKEN", "sim")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	world := sim.New(sim.Options{Seed: 7, Clock: fakeclock.New(time.Now())})
	proxy := &faultyProxy{next: world.Handler(), fault: f, hold: faultTimeoutLimit + time.Second}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	cfg, err := config.Parse(world.WriteConfig(srv.URL), "faults")
	if err != nil {
		t.Fatal(err)
	}
	w, err := buildWorld(t.Context(), &globals{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	p := action.New(action.Options{Providers: w.reg, User: "tester",
		Audit: audit.Open(filepath.Join(t.TempDir(), "audit.jsonl")), LockDir: t.TempDir(), Timeout: faultTimeoutLimit})
	return &faultRig{proxy: proxy, w: w, p: p}
}

func (r *faultRig) live(t *testing.T, service, env string) model.EnvStatus {
	t.Helper()
	k := model.EnvKey{Service: service, Environment: env}
	e, err := envAs[providers.EnvReader](t, r, k).FetchEnv(t.Context(), k)
	if err != nil {
		t.Fatalf("read %s/%s: %v", service, env, err)
	}
	return e
}

func (r *faultRig) gate(t *testing.T, service string) model.Gate {
	t.Helper()
	src, _ := r.w.reg.CI(service)
	snap := model.NewSnapshot([]model.ServiceSpec{{Name: service}})
	snap.MergeCI(providers.PollCI(t.Context(), src, 30*time.Second, time.Now))
	for _, g := range snap.Approvals {
		if g.Service == service {
			return g
		}
	}
	t.Fatalf("no gate of %s waits", service)
	return model.Gate{}
}

// faultPlans build each action from the world as a user would see it, and
// say afterwards, from an honest read, whether the world did it.
var faultPlans = map[model.ActionKind]func(t *testing.T, r *faultRig) (model.Action, func() bool){
	model.ActionRollback: func(t *testing.T, r *faultRig) (model.Action, func() bool) {
		k := model.EnvKey{Service: "api", Environment: "production"}
		live := r.live(t, k.Service, k.Environment)
		revs, err := envAs[providers.HistoryReader](t, r, k).History(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		var to model.Version
		for _, rv := range revs {
			if rv.Available && !rv.Current {
				to = rv.Version
				break
			}
		}
		a := model.Action{Kind: model.ActionRollback, Service: k.Service, Environment: k.Environment, From: live.Version, To: to}
		return a, func() bool { return model.SameVersion(r.live(t, k.Service, k.Environment).Version, to) }
	},
	model.ActionPromote: func(t *testing.T, r *faultRig) (model.Action, func() bool) {
		src, dst := r.live(t, "web", "staging"), r.live(t, "web", "production")
		a := model.Action{Kind: model.ActionPromote, Service: "web", Environment: "production", SourceEnv: "staging", From: dst.Version, To: src.Version}
		return a, func() bool { return model.SameCommit(r.live(t, "web", "production").Version.SHA, src.Version.SHA) }
	},
	model.ActionAbort: func(t *testing.T, r *faultRig) (model.Action, func() bool) {
		live := r.live(t, "api", "staging")
		d := live.Deployment
		if d == nil || !live.Moving() {
			t.Fatalf("api/staging should be deploying in this world: %+v", live)
		}
		a := model.Action{Kind: model.ActionAbort, Service: "api", Environment: "staging",
			From: model.Version{SHA: d.FromSHA}, To: model.Version{SHA: d.ToSHA}}
		return a, func() bool {
			now := r.live(t, "api", "staging")
			return !(now.State == model.StateDeploying && now.Deployment != nil && model.SameCommit(now.Deployment.ToSHA, d.ToSHA))
		}
	},
	model.ActionApprove: func(t *testing.T, r *faultRig) (model.Action, func() bool) {
		g := r.gate(t, "payments")
		a := model.Action{Kind: model.ActionApprove, Service: "payments", Environment: "production", Gate: &g, To: model.Version{SHA: g.SHA}}
		return a, func() bool { return gateAnswered(t, r, g, "approved") }
	},
	model.ActionReject: func(t *testing.T, r *faultRig) (model.Action, func() bool) {
		g := r.gate(t, "web")
		a := model.Action{Kind: model.ActionReject, Service: "web", Environment: "production", Gate: &g, To: model.Version{SHA: g.SHA}}
		return a, func() bool { return gateAnswered(t, r, g, "rejected") }
	},
}

// gateAnswered reads the gate honestly: no longer waiting, answered as word.
func gateAnswered(t *testing.T, r *faultRig, g model.Gate, word string) bool {
	c, _ := providers.CIAs[providers.GateChecker](r.w.reg, g.Service)
	err := c.CheckGate(t.Context(), g)
	return err != nil && strings.Contains(err.Error(), word)
}

func TestActionFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("fault matrix skipped in -short mode")
	}
	faults := []actionFault{faultLost, faultTimeout, faultServerError, faultServerActed, faultThrottle}
	kinds := []model.ActionKind{model.ActionRollback, model.ActionPromote, model.ActionAbort, model.ActionApprove, model.ActionReject}
	var mu sync.Mutex
	var rows []string
	wrong, unknown := 0, 0
	for _, f := range faults {
		for _, k := range kinds {
			t.Run(string(k)+"/"+string(f), func(t *testing.T) {
				r := newFaultRig(t, f)
				a, did := faultPlans[k](t, r)
				r.proxy.armed.Store(true)
				res, err := r.p.Run(context.Background(), a)
				if n := r.proxy.mutated.Load(); n > 2 || (n > 1 && k != model.ActionPromote) {
					t.Errorf("the call reached the world %d times: nothing may be retried", n)
				}
				acted := did()
				verdict := "right"
				switch {
				case res.Outcome == audit.ResultUnknown:
					verdict = "unknown"
				case res.Outcome == audit.ResultOK && !acted, res.Outcome != audit.ResultOK && acted:
					verdict = "WRONG"
					t.Errorf("reported %s (%v), but the world did it: %v", res.Outcome, err, acted)
				}
				mu.Lock()
				defer mu.Unlock()
				switch verdict {
				case "WRONG":
					wrong++
				case "unknown":
					unknown++
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %v | %s |", k, f, res.Outcome, acted, verdict))
			})
		}
	}
	t.Logf("| action | fault | reported | the world did it | verdict |\n|---|---|---|---|---|\n%s", strings.Join(rows, "\n"))
	t.Logf("%d cases: %d wrong, %d unknown", len(rows), wrong, unknown)
}

// Two rollbacks of one environment started at the same moment by two
// flightdecks on this machine (two pipelines, one lock directory), twenty
// times: exactly one is sent each time, and the other is refused by its
// re-check, naming what production moved to.
func TestConcurrentRollbacksSendOne(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	for i := range 20 {
		r := newFaultRig(t, "")
		a, _ := faultPlans[model.ActionRollback](t, r)
		locks := t.TempDir()
		pipes := make([]*action.Pipeline, 2)
		for j := range pipes {
			pipes[j] = action.New(action.Options{Providers: r.w.reg, User: fmt.Sprint("user", j),
				Audit: audit.Open(filepath.Join(t.TempDir(), "audit.jsonl")), LockDir: locks})
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j := range pipes {
			wg.Go(func() { _, errs[j] = pipes[j].Run(context.Background(), a) })
		}
		wg.Wait()
		if n := r.proxy.mutated.Load(); n != 1 {
			t.Fatalf("round %d: %d rollbacks reached the world, want 1 (%v)", i, n, errs)
		}
		refused := 0
		for _, err := range errs {
			if model.IsRefusal(err) && strings.Contains(err.Error(), "moved from "+a.From.Short()+" to "+a.To.Short()) {
				refused++
			}
		}
		if refused != 1 {
			t.Fatalf("round %d: want one refused by its re-check, got %v", i, errs)
		}
	}
}

// envAs is what serves k as capability T, or the test fails.
func envAs[T any](t *testing.T, r *faultRig, k model.EnvKey) T {
	t.Helper()
	v, ok := providers.EnvAs[T](r.w.reg, k)
	if !ok {
		t.Fatalf("%s/%s is not served as %T", k.Service, k.Environment, v)
	}
	return v
}
