package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
)

// approve and reject answer a gate a CI pipeline waits at (a CircleCI
// approval job), through the same pipeline as every other action: the
// gate is found by one poll of the service's CI source, re-read just
// before the answer is sent, and the attempt is audited.

func newApproveCmd(g *globals, io streams) *cobra.Command {
	return newGateCmd(g, io, model.ActionApprove,
		"Approve the gate a service's pipeline waits at, letting it go on",
		`approve lets SERVICE's pipeline go on past the gate it waits at (a CircleCI
approval job such as hold-production), so the commit goes on to the
environment the gate guards. An ECS deploy paused by a PAUSE lifecycle hook
is a gate too: approve continues it (ContinueServiceDeployment CONTINUE).`,
		"once the pipeline has moved on past the gate")
}

func newRejectCmd(g *globals, io streams) *cobra.Command {
	return newGateCmd(g, io, model.ActionReject,
		"Reject the gate a service's pipeline waits at, stopping it there",
		`reject stops SERVICE's pipeline at the gate it waits at (a CircleCI approval
job such as hold-production). CircleCI has no "reject": flightdeck cancels
the gate's workflow, so the commit never reaches the environment it guards.
An ECS deploy paused by a PAUSE lifecycle hook is rolled back
(ContinueServiceDeployment ROLLBACK).`,
		"once the gate's workflow shows canceled")
}

// newGateCmd builds approve or reject: they differ in the action and the
// words, not in the steps.
func newGateCmd(g *globals, io streams, kind model.ActionKind, short, long, waits string) *cobra.Command {
	o := gateOptions{kind: kind}
	cmd := &cobra.Command{
		Use:   string(kind) + " SERVICE [GATE|ENV]",
		Short: short,
		Long: long + `

GATE is the gate's name (hold-production) or its id (as 'flightdeck status
--json' lists it under approvals). ENV is an environment of the service:
the gate guarding it is meant (hold-production and a GitHub production
review guard production; a PAUSE hook, the environment whose deploy it
holds). Without either, the service's only waiting gate is meant; when
several fit, the command lists them and asks you to name one by its id.
Exit 3 when nothing is waiting (there); exit 2, naming the gates and
environments there are, for a name that is neither.

The gate is read again just before the answer is sent: one approved or
canceled elsewhere meanwhile is refused (exit 3) with what became of it. On
a terminal it asks first (the name of a protected environment the gate
guards must be typed); without a terminal it needs --yes. With --wait it
returns ` + waits + `.

Examples:
  flightdeck ` + string(kind) + ` api
  flightdeck ` + string(kind) + ` api hold-production --yes --wait
  flightdeck ` + string(kind) + ` api production
  flightdeck ` + string(kind) + ` api --dry-run --json`,
		Args: argsBetween(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.gate = args[0], ""
			if len(args) == 2 {
				o.gate = args[1]
			}
			return runGate(cmd.Context(), g, io, o)
		},
	}
	o.act.register(cmd)
	g.yesFlag(cmd)
	g.jsonFlag(cmd)
	cmd.Flags().Lookup("wait").Usage = "return " + waits + ", not when the CI service accepted the call"
	return cmd
}

// gateOptions are approve's or reject's arguments and flags.
type gateOptions struct {
	kind    model.ActionKind
	service string
	gate    string // a name or an id; "" for the only one waiting
	act     actionFlags
}

// runGate answers a gate: the service's CI read once, the gate picked,
// planned, confirmed and sent, and with --wait followed.
func runGate(ctx context.Context, g *globals, io streams, o gateOptions) error {
	s, err := openSession(ctx, g, io)
	if err != nil {
		return err
	}
	defer s.close()
	want := o.gate
	// Every attempt is audited, also one that finds nothing to act on.
	tried := model.Action{Kind: o.kind, Service: o.service}
	if want != "" {
		tried.Gate = &model.Gate{Service: o.service, Gate: want}
	}
	svc, src, snap, err := s.gateSources(ctx, o.service)
	if err != nil {
		_ = s.p.Failed(tried, err)
		return err
	}
	read := func(ctx context.Context) (*model.Snapshot, error) { return s.readGates(ctx, src, svc) }
	if snap == nil {
		snap, err = read(ctx)
	}
	if err != nil {
		_ = s.p.Failed(tried, err)
		return err
	}
	st, _ := snap.Service(svc.Name)
	envs := make([]string, len(svc.Environments))
	for i, e := range svc.Environments {
		envs[i] = e.Name
	}
	gate, err := pickGate(svc.Name, o.kind, snap.Approvals, st.Pipelines, envs, want)
	if model.IsRefusal(err) && st.CIError != "" {
		// Some of the service's pipelines could not be read: the
		// gate may wait in one of them.
		err = &exitError{code: exitFailed, err: fmt.Errorf("could not read every pipeline of %s (%s), and found no gate to %s among those read", svc.Name, st.CIError, o.kind)}
		_ = s.p.Failed(tried, err)
		return err
	}
	if model.IsRefusal(err) {
		_ = s.p.Refused(tried, err)
		s.report(tried, nil, err)
		return refused(err)
	}
	if err != nil {
		_ = s.p.Failed(tried, err)
		return err
	}
	plan := s.p.Propose(snap, action.Ask{Kind: o.kind, Service: svc.Name, Gate: &gate})
	if o.kind == model.ActionApprove && plan.Action.Environment != "" {
		// The dashboard knows what the guarded environment runs
		// from its polls; a command reads it now, for the ship
		// note and the audit record.
		plan.Action.From = s.runsNow(ctx, svc.Name, plan.Action.Environment)
	}
	if err := s.act(ctx, plan, actionFlags{}); err != nil {
		return err
	}
	if o.act.wait && !g.dryRun {
		return s.followGate(ctx, read, plan.Action, o.act.timeout)
	}
	return nil
}

// runsNow is what an environment a gate guards runs, best effort and
// briefly: it tells what the approval ships and goes in the audit log,
// but an unreadable environment must not hold the approval up.
func (s *session) runsNow(ctx context.Context, service, env string) model.Version {
	t, err := resolve(s.cfg, service, env)
	if err != nil {
		return model.Version{}
	}
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	live, err := s.live(c, t)
	if err != nil {
		return model.Version{}
	}
	return live.Version
}

// argsBetween is cobra.RangeArgs with a usage exit code.
func argsBetween(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usageErr("%s takes %d to %d arguments, got %d: usage: %s", cmd.Name(), lo, hi, len(args), cmd.UseLine())
		}
		return nil
	}
}

// ciOf finds SERVICE and the CI source that reads its pipelines; a typo or
// a service without CI is a usage error that says what exists.
func ciOf(s *session, name string) (*config.Service, providers.CISource, error) {
	svc, ok := s.cfg.Service(name)
	if !ok {
		var names, withCI []string
		for _, sv := range s.cfg.Services {
			names = append(names, sv.Name)
			if sv.CI != nil {
				withCI = append(withCI, sv.Name)
			}
		}
		return nil, nil, usageErr("no service %q; services: %s (with CI: %s)", name, strings.Join(names, ", "), orDash(strings.Join(withCI, ", ")))
	}
	if svc.CI == nil {
		return nil, nil, usageErr("%s has no CI configured (no ci: in %s), so no pipeline of it waits for approval", name, s.cfg.Path)
	}
	src, ok := s.w.reg.CI(name)
	if !ok {
		return nil, nil, usageErr("%s's CI (%s) is not read by flightdeck yet", name, svc.CI.Provider)
	}
	return svc, src, nil
}

// gateSources is ciOf; for a service without CI, the service with no CI
// source when a deploy of it waits at a gate of its deploy provider (an
// ECS PAUSE lifecycle hook), with the gates read (snap); otherwise ciOf's
// usage error stands.
func (s *session) gateSources(ctx context.Context, name string) (*config.Service, providers.CISource, *model.Snapshot, error) {
	svc, src, err := ciOf(s, name)
	if err == nil {
		return svc, src, nil, nil
	}
	sv, ok := s.cfg.Service(name)
	if !ok || len(s.deployGateEnvs(sv)) == 0 {
		return nil, nil, nil, err
	}
	snap, rerr := s.readGates(ctx, nil, sv)
	switch {
	case rerr != nil:
		return nil, nil, nil, err
	case len(snap.Approvals) == 0 && sv.CI == nil:
		return nil, nil, nil, usageErr("%s has no CI configured (no ci: in %s), and no deploy of it waits for approval", name, s.cfg.Path)
	case len(snap.Approvals) == 0:
		return nil, nil, nil, err
	}
	return sv, nil, snap, nil
}

// deployGateEnvs are the service's environments whose provider answers
// deploy-side gates.
func (s *session) deployGateEnvs(svc *config.Service) []target {
	var out []target
	for i := range svc.Environments {
		e := &svc.Environments[i]
		t := target{svc: svc, env: e, key: model.EnvKey{Service: svc.Name, Environment: e.Name}}
		if _, ok := providers.EnvAs[providers.GateChecker](s.w.reg, t.key); ok {
			out = append(out, t)
		}
	}
	return out
}

// readGates is every gate of the service waiting now: its CI's (when src
// is set) and its deploys' (a live read of each environment whose
// provider has gates). A deploy read that fails only leaves its gates
// out, unless nothing at all could be read.
func (s *session) readGates(ctx context.Context, src providers.CISource, svc *config.Service) (*model.Snapshot, error) {
	var snap *model.Snapshot
	if src != nil {
		var err error
		if snap, err = s.readCI(ctx, src, svc.Name); err != nil {
			return nil, err
		}
	} else {
		snap = model.NewSnapshot([]model.ServiceSpec{s.spec(svc.Name)})
	}
	envs := s.deployGateEnvs(svc)
	var failed []string
	for _, t := range envs {
		st, err := s.live(ctx, t)
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		snap.Merge(model.FetchResult{At: st.FetchedAt, Envs: []model.EnvStatus{st}})
	}
	if src == nil && len(failed) == len(envs) && len(failed) > 0 {
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("could not read the deploys of %s: %s", svc.Name, strings.Join(failed, "; "))}
	}
	return snap, nil
}

// spec is a configured service's shape, or its name alone.
func (s *session) spec(service string) model.ServiceSpec {
	for _, sp := range s.w.specs {
		if sp.Name == service {
			return sp
		}
	}
	return model.ServiceSpec{Name: service}
}

// readCI reads the service's pipelines once, as the dashboard does but
// that service alone (another service's failing reads do not hold it
// up), into a snapshot of that service with its waiting gates, oldest
// first. A service read in part comes back with CIError set: what was
// read stands.
func (s *session) readCI(ctx context.Context, src providers.CISource, service string) (*model.Snapshot, error) {
	spec := model.ServiceSpec{Name: service}
	for _, sp := range s.w.specs {
		if sp.Name == service {
			spec = sp
		}
	}
	snap := model.NewSnapshot([]model.ServiceSpec{spec})
	snap.MergeCI(providers.PollCIService(ctx, src, service, 30*time.Second, s.g.now))
	st, _ := snap.Service(service)
	switch {
	case st.CIFetchedAt.IsZero() && st.CIError != "":
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("read the pipelines of %s: %s", service, st.CIError)}
	case st.CIFetchedAt.IsZero():
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("%s did not report the pipelines of %s", src.Name(), service)}
	}
	return snap, nil
}

// pickGate finds the gate to answer among those waiting (oldest first):
// the one GATE names by name or id; for an environment's name, the gate
// guarding it (a CI gate by its name, hold-production guarding
// production; a deploy-side gate by its environment); with no GATE, the
// only one. Several that fit is a usage error listing them; a known gate
// or environment with nothing waiting is a refusal; a name that is
// neither a gate of the service's pipelines nor one of its environments
// is a usage error naming what exists. A gate id that no longer waits is
// planned anyway, from the pipelines read, so that the pipeline's
// re-check says what became of it.
func pickGate(service string, kind model.ActionKind, waiting []model.Gate, pipelines []model.Pipeline, envs []string, want string) (model.Gate, error) {
	var fit []model.Gate
	for _, gt := range waiting {
		if want == "" || gt.Gate == want || gt.ID == want {
			fit = append(fit, gt)
		}
	}
	isEnv := slices.Contains(envs, want)
	if len(fit) == 0 && isEnv {
		for _, gt := range waiting {
			if gt.DeploySide() && gt.Environment == want || !gt.DeploySide() && model.GateEnvironment(gt.Gate, envs) == want {
				fit = append(fit, gt)
			}
		}
	}
	names := make([]string, len(waiting))
	for i, gt := range waiting {
		names[i] = gt.Gate + " (" + model.ShortSHA(gt.SHA) + ")"
	}
	switch {
	case len(fit) == 1:
		return fit[0], nil
	case len(fit) > 1:
		return model.Gate{}, usageErr("%d gates of %s are waiting; name the one to %s by its id:\n%s\nfor example: flightdeck %s %s %s",
			len(fit), service, kind, listGates(fit), kind, service, fit[0].ID)
	case strings.Contains(want, "/"):
		if gt, ok := gateByID(service, pipelines, want); ok {
			return gt, nil
		}
		ids := make([]string, len(waiting))
		for i, gt := range waiting {
			ids[i] = gt.ID
		}
		return model.Gate{}, usageErr("%s has no gate %q among its recent pipelines; waiting: %s", service, want, orNone(ids))
	}
	known := want == "" || isEnv || slices.Contains(gateNames(pipelines), want)
	switch {
	case known && len(waiting) == 0:
		return model.Gate{}, model.Refuse("nothing is waiting for approval in %s", service)
	case isEnv:
		return model.Gate{}, model.Refuse("nothing waits to reach %s in %s; waiting: %s", want, service, orNone(names))
	case known:
		return model.Gate{}, model.Refuse("no gate %q is waiting for approval in %s; waiting: %s", want, service, orNone(names))
	}
	return model.Gate{}, usageErr("%s has no gate or environment %q; waiting: %s; gates in its pipelines: %s; environments: %s",
		service, want, orNone(names), orNone(gateNames(pipelines)), strings.Join(envs, ", "))
}

// gateNames are the approval jobs of the pipelines read, each once.
func gateNames(pipelines []model.Pipeline) []string {
	var out []string
	for _, p := range pipelines {
		for _, wf := range p.Workflows {
			for _, j := range wf.Jobs {
				if j.Approval && !slices.Contains(out, j.Name) {
					out = append(out, j.Name)
				}
			}
		}
	}
	return out
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// listGates is the table an ambiguous choice shows: gate, commit, how long
// it has waited, id.
func listGates(gates []model.Gate) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	for _, gt := range gates {
		fmt.Fprintf(tw, "  %s\t%s\twaiting %s\t%s\n", gt.Gate, model.ShortSHA(gt.SHA), waited(gt.WaitingSince), gt.ID)
	}
	_ = tw.Flush()
	return strings.TrimRight(b.String(), "\n")
}

func waited(since time.Time) string {
	if since.IsZero() {
		return "?"
	}
	return max(0, time.Since(since)).Round(time.Second).String()
}

// gateByID plans a gate the poll did not find waiting, from its id
// ("<workflow id>/<approval request id>"), when its workflow is among the
// pipelines read: its commit and its approval job's name. ok is false
// for a workflow the pipelines do not hold: an id nobody can check.
func gateByID(service string, pipelines []model.Pipeline, id string) (gt model.Gate, ok bool) {
	wfID, _, _ := strings.Cut(id, "/")
	gt = model.Gate{Service: service, Gate: id, ID: id, WorkflowID: wfID}
	for _, p := range pipelines {
		for _, wf := range p.Workflows {
			if wf.ID != wfID {
				continue
			}
			ok = true
			gt.Provider, gt.SHA, gt.Subject = p.Provider, p.SHA, p.Subject
			var approvals []model.Job
			for _, j := range wf.Jobs {
				if j.Approval {
					approvals = append(approvals, j)
				}
			}
			if len(approvals) == 1 {
				gt.Gate, gt.JobID = approvals[0].Name, approvals[0].ID
			}
		}
	}
	return gt, ok
}

// followGate polls the CI source until the planner's judgement says the
// gate's answer landed (action.LandedGate), or the timeout passes.
func (s *session) followGate(ctx context.Context, read func(context.Context) (*model.Snapshot, error), a model.Action, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "not read yet"
	pr := s.progress(actsOn(a))
	for {
		snap, err := read(ctx)
		if err != nil {
			last = "unreadable: " + err.Error()
		} else {
			l, shows := action.LandedGate(a, snap)
			if l.Done {
				return s.followed(a, shows, l.Err)
			}
			last = shows
		}
		pr.show(last)
		select {
		case <-ctx.Done():
			return &exitError{code: exitFailed, err: fmt.Errorf("gave up waiting after %s; %s is %s", timeout, actsOn(a), last)}
		case <-time.After(2 * time.Second):
		}
	}
}

func (s *session) followed(a model.Action, what string, err error) error {
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if !s.g.json {
		verb := "passed"
		if a.Kind == model.ActionReject {
			verb = "closed"
		}
		fmt.Fprintf(s.io.out, "%s %s: %s\n", actsOn(a), verb, what)
	}
	return nil
}

// actsOn names what an action acts on: "api hold-production" for a gate,
// "api/production" for an environment.
func actsOn(a model.Action) string {
	if a.Gate != nil {
		return a.Service + " " + a.Gate.Gate
	}
	return a.Service + "/" + a.Environment
}
