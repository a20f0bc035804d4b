package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// target is one configured environment, resolved from the command line.
type target struct {
	svc *config.Service
	env *config.Environment
	key model.EnvKey
}

// resolve finds SERVICE and ENV in the config; a typo gets a usage error
// that names what exists.
func resolve(cfg *config.Config, service, env string) (target, error) {
	svc, ok := cfg.Service(service)
	if !ok {
		names := make([]string, len(cfg.Services))
		for i, s := range cfg.Services {
			names[i] = s.Name
		}
		return target{}, usageErr("no service %q; services: %s", service, strings.Join(names, ", "))
	}
	e, ok := svc.Environment(env)
	if !ok {
		names := make([]string, len(svc.Environments))
		for i, e := range svc.Environments {
			names[i] = e.Name
		}
		return target{}, usageErr("%s has no environment %q; environments: %s", service, env, strings.Join(names, ", "))
	}
	return target{svc: svc, env: e, key: model.EnvKey{Service: svc.Name, Environment: e.Name}}, nil
}

// session is what an action command needs: config, providers, pipeline.
type session struct {
	g   *globals
	io  streams
	cfg *config.Config
	w   *world
	p   *action.Pipeline
}

func openSession(ctx context.Context, g *globals, io streams) (*session, error) {
	cfg, err := loadConfig(g)
	if err != nil {
		return nil, err
	}
	w, err := buildWorld(ctx, g, cfg)
	if err != nil {
		return nil, err
	}
	return &session{g: g, io: io, cfg: cfg, w: w, p: pipeline(g, cfg, w)}, nil
}

// close saves what the world keeps (the GitHub ETag cache).
func (s *session) close() { s.w.close() }

// failedBefore records an attempt that failed before it could be planned
// (an unknown name, an environment that could not be read), so every
// attempt is in the audit log, and returns err.
func (s *session) failedBefore(kind model.ActionKind, service, env string, err error) error {
	_ = s.p.Failed(model.Action{Kind: kind, Service: service, Environment: env}, err)
	return err
}

// failedAction records an attempt on a known action that failed before
// it could be planned (no such revision, no deploy job) and says so: a
// refusal is reported as one and exits 3, anything else is returned.
func (s *session) failedAction(a model.Action, err error) error {
	_ = s.p.Failed(a, err)
	if model.IsRefusal(err) {
		s.report(a, nil, err)
		return refused(err)
	}
	return err
}

// live reads one environment now, as the plan's starting point.
func (s *session) live(ctx context.Context, t target) (model.EnvStatus, error) {
	r, ok := providers.EnvAs[providers.EnvReader](s.w.reg, t.key)
	if !ok {
		return model.EnvStatus{}, fmt.Errorf("%s/%s: no provider can read it", t.key.Service, t.key.Environment)
	}
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e, err := r.FetchEnv(c, t.key)
	if err != nil {
		err = fmt.Errorf("read %s/%s: %w", t.key.Service, t.key.Environment, err)
		if errors.Is(err, providers.ErrNotFound) {
			// What the config names does not exist: a config mistake.
			return e, missingErr(err)
		}
		return e, err
	}
	e.FetchedAt = s.g.now()
	return e, nil
}

func (s *session) history(ctx context.Context, t target) ([]model.Revision, error) {
	h, ok := providers.EnvAs[providers.HistoryReader](s.w.reg, t.key)
	if !ok {
		return nil, fmt.Errorf("%s/%s: its provider keeps no history", t.key.Service, t.key.Environment)
	}
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	revs, err := h.History(c, t.key)
	if err != nil {
		err = fmt.Errorf("history of %s/%s: %w", t.key.Service, t.key.Environment, err)
		if errors.Is(err, providers.ErrNotFound) {
			// What the config names does not exist: a config mistake.
			return nil, missingErr(err)
		}
		return nil, err
	}
	return revs, nil
}

// refused turns a refusal into exit 3, recording it when it came from
// outside the pipeline's own guards.
func refused(err error) error { return &exitError{code: exitRefused, err: err} }

// actionFlags are the follow-up flags every action takes.
type actionFlags struct {
	wait    bool
	timeout time.Duration
}

func (f *actionFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.wait, "wait", false, "return once the result shows (deploy settled), not when the provider accepted the call")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 15*time.Minute, "with --wait, give up after this long (exit 1)")
}

// act runs a planned action through the pipeline: a plan the planner
// refused is audited and exits 3; otherwise confirm, re-check, execute,
// audit, and with --wait, follow.
func (s *session) act(ctx context.Context, plan action.Plan, f actionFlags) error {
	a := plan.Action
	if plan.Why != "" {
		err := model.Refuse("%s", plan.Why)
		_ = s.p.Refused(a, err)
		s.report(a, nil, err)
		return refused(err)
	}
	if !s.g.json {
		// Before the question, so the answer is given knowing it.
		if note := s.shipNote(ctx, a); note != "" {
			fmt.Fprintln(s.io.err, note)
		}
		if (s.g.dryRun || s.g.yes) && a.Kind == model.ActionPromote && plan.Note != "" {
			// No prompt shows it: what the planner warns of is said anyway.
			fmt.Fprintln(s.io.err, plan.Note)
		}
	}
	if !s.g.dryRun && !s.g.yes {
		if err := confirm(s.io, plan); err != nil {
			_ = s.p.Refused(a, err)
			s.report(a, nil, err)
			return refused(err)
		}
	}
	res, err := s.p.Run(ctx, a)
	s.report(a, &res, err)
	switch {
	case model.IsRefusal(err):
		return refused(err)
	case err != nil:
		return &exitError{code: exitFailed, err: err}
	}
	if f.wait && !s.p.DryRun() {
		return s.follow(ctx, a, f.timeout)
	}
	return nil
}

// shipNote says what the action ships or reverts, commit by commit, when
// the service names its repository and the host answers in time.
func (s *session) shipNote(ctx context.Context, a model.Action) string {
	lr, repo := s.w.reg.Lineage(a.Service)
	return providers.ShipNote(ctx, lr, repo, a, 5*time.Second)
}

// confirm asks on the terminal, saying what the planner says the
// dashboard's modal says; without a terminal it refuses, since nobody can
// answer. A protected environment needs its name typed, not just "y".
func confirm(io streams, plan action.Plan) error {
	a := plan.Action
	f, ok := io.in.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return model.Refuse("refusing to %s %s without --yes: stdin is not a terminal", a.Kind, actsOn(a))
	}
	fmt.Fprintf(io.err, "%s %s\n", a.Kind, plan.Headline)
	if plan.Note != "" {
		fmt.Fprintln(io.err, plan.Note)
	}
	if plan.Calls != "" {
		fmt.Fprintf(io.err, "calls %s\n", plan.Calls)
	}
	fmt.Fprintln(io.err, plan.Recheck)
	want := "y"
	if a.Protected {
		want = a.Environment
		fmt.Fprintf(io.err, "%s is protected. Type its name to confirm: ", a.Environment)
	} else {
		fmt.Fprint(io.err, "Proceed? [y/N] ")
	}
	line, _ := bufio.NewReader(f).ReadString('\n')
	if strings.TrimSpace(line) != want {
		return model.Refuse("not confirmed; nothing was sent")
	}
	return nil
}

// actionReport is the --json form of an action's outcome.
type actionReport struct {
	Action      string           `json:"action"`
	Service     string           `json:"service"`
	Environment string           `json:"environment"`
	SourceEnv   string           `json:"source_env,omitempty"`
	From        model.Version    `json:"from"`
	To          model.Version    `json:"to"`
	DryRun      bool             `json:"dry_run"`
	Result      string           `json:"result"`
	Error       string           `json:"error,omitempty"`
	Calls       []providers.Call `json:"calls"`
	RequestIDs  []string         `json:"request_ids"`
	Detail      string           `json:"detail,omitempty"`
	// Resolved says what reading the target again found after a call
	// whose answer was lost.
	Resolved string      `json:"resolved,omitempty"`
	Gate     *model.Gate `json:"gate,omitempty"`
}

// report prints the outcome: JSON on stdout with --json, else words.
func (s *session) report(a model.Action, res *action.Result, err error) {
	r := actionReport{Action: string(a.Kind), Service: a.Service, Environment: a.Environment, SourceEnv: a.SourceEnv,
		From: a.From, To: a.To, DryRun: s.p.DryRun(), Result: audit.ResultOK, Calls: []providers.Call{}, RequestIDs: []string{}, Gate: a.Gate}
	if res != nil {
		r.Calls, r.Detail, r.Resolved = append(r.Calls, res.Receipt.Calls...), res.Receipt.Detail, res.Resolved
		r.RequestIDs = append(r.RequestIDs, res.Receipt.RequestIDs...)
	}
	switch {
	case res != nil && res.Outcome != "":
		r.Result = res.Outcome
	case model.IsRefusal(err):
		r.Result = audit.ResultRefused
	case err != nil:
		r.Result = audit.ResultFailed
	case s.p.DryRun():
		r.Result = audit.ResultDryRun
	}
	if err != nil {
		r.Error = err.Error()
	}
	if s.g.json {
		if err := s.g.emitJSON(s.io.out, r); err != nil {
			fmt.Fprintln(s.io.err, "flightdeck:", err)
		}
		return
	}
	out := s.io.out
	switch r.Result {
	case audit.ResultDryRun:
		fmt.Fprintf(out, "dry run: %s %s\nwould send:\n", a.Kind, action.Headline(a))
		for _, c := range r.Calls {
			fmt.Fprintf(out, "  %s %s\n", c.Operation, params(c.Params))
		}
		fmt.Fprintln(out, "nothing was sent.")
	case audit.ResultOK:
		if r.Resolved != "" {
			fmt.Fprintf(out, "%s sent: %s\nthe answer was lost; reading again: %s\n", a.Kind, action.Headline(a), r.Resolved)
			break
		}
		fmt.Fprintf(out, "%s sent: %s\n", a.Kind, action.Headline(a))
		if r.Detail != "" {
			fmt.Fprintln(out, r.Detail)
		}
		if len(r.RequestIDs) > 0 {
			fmt.Fprintf(out, "request ids: %s\n", strings.Join(r.RequestIDs, ", "))
		}
	case audit.ResultUnknown:
		// The error, printed by Main, says what is known; this says what to do.
		fmt.Fprintf(out, "%s sent, but its answer was lost and flightdeck could not tell whether it was done. Do not send it again before checking: flightdeck status\n", a.Kind)
	case audit.ResultFailed:
		if r.Resolved != "" {
			fmt.Fprintf(out, "%s failed: %s\n", a.Kind, r.Resolved)
			break
		}
		// The error itself is printed by Main; say what state things are in.
		state := fmt.Sprintf("%s still runs %s", actsOn(a), a.From.Short())
		if a.Gate != nil {
			state = actsOn(a) + " still waits"
		}
		fmt.Fprintf(out, "%s failed; %s as far as flightdeck knows. Check it with: flightdeck status\n", a.Kind, state)
	}
}

func params(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + p[k]
	}
	return strings.Join(parts, " ")
}

// follow polls the environment until the action's result shows, the
// deploy fails, or the timeout passes.
func (s *session) follow(ctx context.Context, a model.Action, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := target{key: a.Key()}
	pr := s.progress(actsOn(a))
	for {
		e, err := s.live(ctx, t)
		pr.show(envProgress(e, err))
		if err == nil {
			if l := action.Landed(a, e); l.Done {
				if l.Err != nil {
					return &exitError{code: exitFailed, err: l.Err}
				}
				switch {
				case s.g.json:
				case e.Canary != nil:
					fmt.Fprintf(s.io.out, "%s/%s now sends %d %% to the canary %s\n", a.Service, a.Environment, e.Canary.Weight, e.Canary.Canary.Version.Short())
				default:
					fmt.Fprintf(s.io.out, "%s/%s now runs %s (%s)\n", a.Service, a.Environment, e.Version.Short(), strings.ReplaceAll(string(e.State), "_", " "))
				}
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return &exitError{code: exitFailed, err: fmt.Errorf("gave up waiting after %s; %s/%s is %s", timeout, a.Service, a.Environment, describe(e, err))}
		case <-time.After(2 * time.Second):
		}
	}
}

// waitProgress is what --wait prints on stderr while it waits: a line
// each time what it reads changes, and a heartbeat with the time waited
// when nothing has for heartbeatEvery, so a wait is never silent. Lines
// go through the stream's termsafe writer (outside text: states, job
// names). With --json they go to stderr as well: stdout keeps the JSON.
type waitProgress struct {
	w      io.Writer
	what   string
	now    func() time.Time
	start  time.Time
	last   string
	lastAt time.Time
}

// heartbeatEvery is how long --wait stays quiet when nothing changes.
const heartbeatEvery = 10 * time.Second

func (s *session) progress(what string) *waitProgress {
	now := s.g.now
	return &waitProgress{w: s.io.err, what: what, now: now, start: now()}
}

func (p *waitProgress) show(state string) {
	now := p.now()
	elapsed := now.Sub(p.start).Round(time.Second)
	switch {
	case state != p.last:
		fmt.Fprintf(p.w, "waiting %s: %s: %s\n", elapsed, p.what, state)
	case now.Sub(p.lastAt) >= heartbeatEvery:
		fmt.Fprintf(p.w, "waiting %s: %s: still %s\n", elapsed, p.what, state)
	default:
		return
	}
	p.last, p.lastAt = state, now
}

// envProgress is one environment as --wait reports it: state, the
// deploy's stage (batch, rollback), running/desired, a canary's weight.
func envProgress(e model.EnvStatus, err error) string {
	if err != nil {
		return "unreadable: " + providers.OneLine(err.Error(), 200)
	}
	state := strings.ReplaceAll(string(e.State), "_", " ")
	if d := e.Deployment; d != nil && e.Moving() {
		state += ", " + e.Rollout()
		if d.Rollback != "" {
			state += ", rollback " + strings.ReplaceAll(string(d.Rollback), "_", " ")
		}
	} else {
		state += " on " + orDash(e.Version.Short())
	}
	if c := e.Canary; c != nil && (c.Weight > 0 || c.Stage != "") {
		state += fmt.Sprintf(", canary %s at %d %%", c.Canary.Version.Short(), c.Weight)
		if c.Stage != "" {
			state += " (" + c.Stage + ")"
		}
	}
	return state
}

func describe(e model.EnvStatus, err error) string {
	if err != nil {
		return "unreadable: " + err.Error()
	}
	if d := e.Deployment; d != nil && e.Moving() {
		return fmt.Sprintf("%s, %d/%d tasks of %s", e.State, d.Running, d.Desired, model.ShortSHA(d.ToSHA))
	}
	return fmt.Sprintf("%s on %s", e.State, e.Version.Short())
}

// exactArgs is cobra.ExactArgs with a usage exit code.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("%s takes %d argument(s), got %d: usage: %s", cmd.Name(), n, len(args), cmd.UseLine())
		}
		return nil
	}
}

// actOnEnv is an action on one environment that needs nothing but what it
// runs now (switch, a canary step): read it live, plan, confirm, run.
func actOnEnv(ctx context.Context, g *globals, io streams, kind model.ActionKind, service, env string, o actionFlags) error {
	s, err := openSession(ctx, g, io)
	if err != nil {
		return err
	}
	defer s.close()
	t, err := resolve(s.cfg, service, env)
	if err != nil {
		return s.failedBefore(kind, service, env, err)
	}
	live, err := s.live(ctx, t)
	if err != nil {
		return s.failedBefore(kind, service, env, err)
	}
	ask := action.Ask{Kind: kind, Service: t.key.Service, Environment: t.key.Environment}
	return s.act(ctx, s.p.Propose(model.SnapshotOf(live), ask), o)
}
