package action

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// Ask is what the user asked for, in the terms of what they saw: a kind
// of action on a service, and where. The dashboard fills it from the
// selection, a command from its arguments; Propose turns it into the
// action, so both plan every kind the same way.
type Ask struct {
	Kind    model.ActionKind
	Service string
	// Environment is where a rollback or an abort acts and where a
	// promote deploys ("" for a promote: the environment after Source in
	// promotion order). Gates find theirs from the gate's name.
	// A promote with no Source ships what the environment before
	// Environment runs.
	Environment string
	// Source is the environment whose version a promote ships.
	Source string
	// To is the revision a rollback returns to; zero asks only whether a
	// rollback of Environment can be planned at all (the picker opens).
	To model.Version
	// Gate is the gate to answer; nil means the service's oldest waiting.
	Gate *model.Gate
	// Workflow is the ID of the workflow to rerun or cancel.
	Workflow string
	// Deploy is the older pipeline's deploy job a rollback through CI
	// (model.ActionRollbackCI) re-runs, as the picker or history listed it.
	Deploy *model.CIDeploy
	// Force lets a promotion go against the promotion order (backwards,
	// or skipping an environment): without it the planner refuses one
	// and says what it would skip. With it the environment's name must
	// be typed, as for a protected one.
	Force bool
}

// Propose plans what the user asked for against the snapshot they saw:
// the action, the environment as seen, and every text a confirmation
// shows; Why says why it is not available now. It reads nothing and
// records nothing, so the dashboard may ask for every key on every frame.
func (p *Pipeline) Propose(snap *model.Snapshot, ask Ask) Plan {
	a, seen, note, why := p.shape(snap, ask)
	if why == "" {
		why = p.available(a, seen)
	}
	pl := Plan{Action: a, Seen: seen, Why: why, Title: title(a), Headline: Headline(a), Recheck: recheck(a), Note: note, DryRun: p.o.DryRun}
	if why == "" {
		pl.Calls = p.describe(a)
	}
	return pl
}

// Check is Propose's answer to "may this key act now": "" or why not.
func (p *Pipeline) Check(snap *model.Snapshot, ask Ask) string {
	a, seen, _, why := p.shape(snap, ask)
	if why == "" {
		why = p.available(a, seen)
	}
	return why
}

// available applies the pipeline's guards to a shaped action. A rollback
// whose revision is not chosen yet is checked for everything but the
// revision.
func (p *Pipeline) available(a model.Action, seen model.EnvStatus) string {
	var err error
	if (a.Kind == model.ActionRollback || a.Kind == model.ActionRollbackCI) && a.To == (model.Version{}) {
		err = p.allowed(a)
	} else {
		err = p.guard(a, seen)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// shape builds the action an ask means from the snapshot: one case per
// kind, each saying in the user's terms why it cannot be built.
func (p *Pipeline) shape(snap *model.Snapshot, ask Ask) (a model.Action, seen model.EnvStatus, note, why string) {
	a = model.Action{Kind: ask.Kind, Service: ask.Service, Environment: ask.Environment}
	svc, ok := snap.Service(ask.Service)
	if !ok {
		return a, seen, "", fmt.Sprintf("no service %q is on the board", ask.Service)
	}
	switch ask.Kind {
	case model.ActionRollback:
		a, seen, why = p.shapeRollback(svc, ask)
	case model.ActionRollbackCI:
		a, seen, note, why = p.shapeRollbackCI(svc, ask)
	case model.ActionPromote:
		a, seen, note, why = p.shapePromote(snap, svc, ask)
	case model.ActionAbort:
		a, seen, why = p.shapeAbort(svc, ask)
	case model.ActionSwitch:
		a, seen, why = p.shapeSwitch(svc, ask)
	case model.ActionCanaryPromote, model.ActionCanaryAbort:
		a, seen, note, why = p.shapeCanary(svc, ask)
	case model.ActionApprove, model.ActionReject:
		a, note, why = p.shapeGate(snap, svc, ask)
	case model.ActionRerun, model.ActionCancel:
		a, why = shapeWorkflow(svc, ask)
	default:
		why = fmt.Sprintf("flightdeck cannot %s", ask.Kind)
	}
	return a, seen, note, why
}

// onEnv starts an action on the environment the ask names: the action
// with the environment's protection, the environment, or why there is none.
func (p *Pipeline) onEnv(svc *model.ServiceState, ask Ask) (model.Action, *model.EnvStatus, string) {
	a := model.Action{Kind: ask.Kind, Service: svc.Name, Environment: ask.Environment}
	e, why := envOf(svc, ask.Environment)
	if why != "" {
		return a, nil, why
	}
	a.Protected = p.protected(e.Key())
	return a, e, ""
}

func (p *Pipeline) shapeRollback(svc *model.ServiceState, ask Ask) (model.Action, model.EnvStatus, string) {
	a, e, why := p.onEnv(svc, ask)
	if why != "" {
		return a, model.EnvStatus{}, why
	}
	a.From, a.To = e.Version, ask.To
	if e.ReadOnly != "" {
		// Said before the picker opens, not after a revision is chosen.
		return a, model.EnvStatus{}, e.Service + "/" + e.Environment + ": " + e.ReadOnly
	}
	if prov, ok := p.o.Providers.Env(e.Key()); ok {
		if _, ok := prov.(providers.HistoryReader); !ok {
			return a, model.EnvStatus{}, e.Service + "/" + e.Environment + ": its provider cannot list the revisions to roll back to"
		}
	}
	return a, Seen(e), readable(e)
}

func (p *Pipeline) shapePromote(snap *model.Snapshot, svc *model.ServiceState, ask Ask) (model.Action, model.EnvStatus, string, string) {
	a := model.Action{Kind: ask.Kind, Service: svc.Name, Environment: ask.Environment, SourceEnv: ask.Source}
	order := envNames(svc)
	srcName, dstName, why := PromoteEnvs(svc.Name, order, ask.Source, ask.Environment)
	a.SourceEnv, a.Environment = srcName, dstName
	if why != "" {
		return a, model.EnvStatus{}, "", why
	}
	src, why := envOf(svc, srcName)
	if why != "" {
		return a, model.EnvStatus{}, "", why
	}
	dst, why := envOf(svc, dstName)
	if why != "" {
		return a, model.EnvStatus{}, "", why
	}
	a.From, a.To, a.Protected = dst.Version, src.Version, p.protected(dst.Key())
	for _, e := range []*model.EnvStatus{src, dst} {
		if why := readable(e); why != "" {
			return a, model.EnvStatus{}, "", why
		}
	}
	if src.Moving() {
		return a, model.EnvStatus{}, "", fmt.Sprintf("%s has not settled (%s); promote once it has", src.Environment, src.Rollout())
	}
	var notes []string
	if out := OutOfOrder(order, srcName, dstName); out != "" {
		if !ask.Force {
			return a, model.EnvStatus{}, "", out + "; pass --force to promote anyway"
		}
		// Forced: still never one keystroke.
		a.Protected = true
		notes = append(notes, out+": type "+dstName+" to promote anyway")
	}
	if reg := CrossRegistry(src.Version.Artifact, dst.Version.Artifact); reg != "" {
		notes = append(notes, reg)
	}
	if g := WaitingFor(snap, svc, a); g != nil {
		notes = append(notes, fmt.Sprintf("the gate %s (%s) waits to deploy %s to %s too: once this promotion lands, approving it would deploy it again; reject it after (reject on the gate, flightdeck %s %s %s, or promote --cancel-gate)",
			g.Gate, g.Provider, model.ShortSHA(g.SHA), dstName, model.ActionReject, svc.Name, g.ID))
	}
	return a, Seen(dst), strings.Join(notes, "; "), ""
}

func envNames(svc *model.ServiceState) []string {
	out := make([]string, len(svc.Environments))
	for i, e := range svc.Environments {
		out[i] = e.Environment
	}
	return out
}

// PromoteEnvs completes a promotion's two ends from the environments in
// promotion order: without a target, the environment after the source;
// without a source, the one before the target. why says why there is
// none (the last or first environment, a name the service lacks).
func PromoteEnvs(service string, order []string, from, to string) (src, dst, why string) {
	idx := func(name string) int {
		for i, e := range order {
			if e == name {
				return i
			}
		}
		return -1
	}
	have := strings.Join(order, ", ")
	for _, n := range []string{from, to} {
		if n != "" && idx(n) < 0 {
			return from, to, fmt.Sprintf("%s has no %s environment; environments: %s", service, n, have)
		}
	}
	switch {
	case from == "" && to == "":
		return from, to, "say which environment to promote from (or to)"
	case to == "":
		i := idx(from)
		if i == len(order)-1 {
			return from, to, from + " is the last environment of " + service + " (" + have + "): there is nothing to promote to"
		}
		return from, order[i+1], ""
	case from == "":
		i := idx(to)
		if i == 0 {
			return from, to, to + " is the first environment of " + service + " (" + have + "): there is nothing to promote from"
		}
		return order[i-1], to, ""
	case from == to:
		return from, to, "the promotion's source and target are both " + from
	}
	return from, to, ""
}

// OutOfOrder says what a promotion from src to dst does against the
// promotion order: going backwards, or skipping the environments between
// them; "" for the next environment.
func OutOfOrder(order []string, src, dst string) string {
	i, j := -1, -1
	for k, e := range order {
		switch e {
		case src:
			i = k
		case dst:
			j = k
		}
	}
	if i < 0 || j < 0 || j == i+1 {
		return ""
	}
	if j < i {
		return fmt.Sprintf("%s → %s goes backwards, against the promotion order (%s)", src, dst, strings.Join(order, " → "))
	}
	return fmt.Sprintf("%s → %s skips %s (promotion order: %s)", src, dst, strings.Join(order[i+1:j], ", "), strings.Join(order, " → "))
}

// WaitingFor is the gate a promotion ships past: one waiting for the
// commit the promotion deploys, guarding the environment it deploys to.
// Once the promotion lands the gate still waits, and answering it later
// would deploy the same commit again.
func WaitingFor(snap *model.Snapshot, svc *model.ServiceState, a model.Action) *model.Gate {
	if snap == nil || a.To.SHA == "" {
		return nil
	}
	order := envNames(svc)
	for i := range snap.Approvals {
		g := &snap.Approvals[i]
		if g.Service != svc.Name || g.DeploySide() || !model.SameCommit(g.SHA, a.To.SHA) {
			continue
		}
		if model.GateEnvironment(g.Gate, order) == a.Environment {
			return g
		}
	}
	return nil
}

// ecrHost is an ECR registry's host: ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn].
var ecrHost = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/`)

// CrossRegistry names the account and region a promotion's image comes
// from when they differ from those of the image the target runs now (both
// ECR): the target then pulls across accounts or regions, which its
// execution role must be allowed and which costs transfer. "" otherwise.
func CrossRegistry(srcImage, dstImage string) string {
	s, d := ecrHost.FindStringSubmatch(srcImage), ecrHost.FindStringSubmatch(dstImage)
	if s == nil || d == nil || (s[1] == d[1] && s[2] == d[2]) {
		return ""
	}
	var what []string
	if s[1] != d[1] {
		what = append(what, "account "+s[1]+" (the target pulls from account "+d[1]+" now)")
	}
	if s[2] != d[2] {
		what = append(what, "region "+s[2]+" (the target pulls from "+d[2]+" now)")
	}
	return "the image is in the ECR registry of " + strings.Join(what, " and ") + ": it is not copied, the target pulls it from there"
}

func (p *Pipeline) shapeAbort(svc *model.ServiceState, ask Ask) (model.Action, model.EnvStatus, string) {
	a, e, why := p.onEnv(svc, ask)
	if why != "" {
		return a, model.EnvStatus{}, why
	}
	if d := e.Deployment; d != nil {
		a.From, a.To = model.Version{SHA: d.FromSHA}, model.Version{SHA: d.ToSHA}
	}
	return a, Seen(e), readable(e)
}

// shapeSwitch hands the production name of a blue/green pair to the
// standby: from what the live side runs to what the standby runs.
func (p *Pipeline) shapeSwitch(svc *model.ServiceState, ask Ask) (model.Action, model.EnvStatus, string) {
	a, e, why := p.onEnv(svc, ask)
	if why != "" {
		return a, model.EnvStatus{}, why
	}
	if bg := e.BlueGreen; bg != nil {
		a.From, a.To, a.Live, a.Standby = e.Version, bg.StandbyVersion, bg.Live, bg.Standby
	}
	return a, Seen(e), readable(e)
}

// shapeCanary steps the environment's canary: from the stable side's
// version to the canary's, at the weight seen. Promoting a canary judged
// worse, or one with no data or too little to judge, asks for the
// environment's name typed, as a protected environment does, wherever it
// is: going on against the numbers, or without them, is never one
// keystroke.
func (p *Pipeline) shapeCanary(svc *model.ServiceState, ask Ask) (model.Action, model.EnvStatus, string, string) {
	a, e, why := p.onEnv(svc, ask)
	if why != "" {
		return a, model.EnvStatus{}, "", why
	}
	if why := readable(e); why != "" {
		return a, model.EnvStatus{}, "", why
	}
	c := e.Canary
	if c == nil {
		return a, model.EnvStatus{}, "", e.Service + "/" + e.Environment + " has no canary in force"
	}
	a.From, a.To, a.Weight = c.Stable.Version, c.Canary.Version, c.Weight
	note := "verdict: " + string(c.Verdict.Word)
	if c.Verdict.Why != "" {
		note = "verdict: " + c.Verdict.Why
	}
	if a.Kind == model.ActionCanaryPromote {
		a.NextWeight = c.NextWeight()
		if c.Source == "ecs" && len(e.Gates) > 0 {
			// A native promote continues the hook that waits: the one
			// seen is the one confirmed, and the re-check holds it.
			g := e.Gates[0]
			a.Gate = &g
		}
		switch c.Verdict.Word {
		case model.VerdictWorse:
			a.Protected = true
			note += "; the canary is worse: type " + a.Environment + " to promote it anyway"
		case model.VerdictNoData, model.VerdictTooFew:
			if c.Weight == 0 {
				break // starting a canary: it cannot have traffic yet
			}
			// No evidence either way is no evidence it is healthy.
			a.Protected = true
			note += "; nothing says the canary is healthy yet: type " + a.Environment + " to promote it anyway"
		}
	}
	return a, Seen(e), note, ""
}

// shapeGate answers the asked gate, or the service's oldest waiting one;
// the environment is the one the gate's name guards, and what it runs now
// is what an approval ships from.
func (p *Pipeline) shapeGate(snap *model.Snapshot, svc *model.ServiceState, ask Ask) (model.Action, string, string) {
	a := model.Action{Kind: ask.Kind, Service: svc.Name}
	g := ask.Gate
	if g == nil {
		g = oldestGate(snap, svc.Name)
	}
	if g == nil {
		return a, "", svc.Name + " has no gate waiting for approval"
	}
	gate := *g
	envs := make([]string, len(svc.Environments))
	for i, e := range svc.Environments {
		envs[i] = e.Environment
	}
	a.Gate, a.To = &gate, model.Version{SHA: gate.SHA}
	a.Environment = model.GateEnvironment(gate.Gate, envs)
	if gate.DeploySide() {
		// A deploy waits there: the gate names its environment.
		a.Environment = gate.Environment
	}
	if e, ok := svc.Env(a.Environment); ok {
		a.Protected = p.protected(e.Key())
		if !e.FetchedAt.IsZero() {
			a.From = e.Version
		}
	}
	if gate.ApproveBlocked != "" {
		return a, "", svc.Name + ": " + gate.ApproveBlocked
	}
	return a, gateNote(svc, gate), ""
}

// gateNote says what a gate would let through and where it waits, as the
// CI provider numbers and names it.
func gateNote(svc *model.ServiceState, g model.Gate) string {
	if g.DeploySide() {
		note := "the deploy to " + g.Environment + " waits (" + g.Provider + " deployment " + lastSegment(g.WorkflowID) + ")"
		if g.Subject != "" {
			note = `"` + g.Subject + `": ` + note
		}
		return note
	}
	where := "in workflow " + g.WorkflowID
	for _, p := range svc.Pipelines {
		for _, wf := range p.Workflows {
			if wf.ID == g.WorkflowID {
				where = fmt.Sprintf("in pipeline #%d, workflow %s", p.Number, wf.Name)
			}
		}
	}
	if g.Subject != "" {
		return `"` + g.Subject + `" ` + where
	}
	return where
}

func oldestGate(snap *model.Snapshot, service string) *model.Gate {
	// Approvals are kept oldest first.
	for i := range snap.Approvals {
		if snap.Approvals[i].Service == service {
			return &snap.Approvals[i]
		}
	}
	return nil
}

func shapeWorkflow(svc *model.ServiceState, ask Ask) (model.Action, string) {
	a := model.Action{Kind: ask.Kind, Service: svc.Name}
	for _, p := range svc.Pipelines {
		for _, wf := range p.Workflows {
			if wf.ID == ask.Workflow && ask.Workflow != "" {
				w := wf
				a.Workflow, a.To = &w, model.Version{SHA: p.SHA}
				return a, ""
			}
		}
	}
	return a, svc.Name + " has no workflow on screen"
}

func envOf(svc *model.ServiceState, name string) (*model.EnvStatus, string) {
	if e, ok := svc.Env(name); ok {
		return e, ""
	}
	if name == "" {
		return nil, "select an environment first"
	}
	return nil, svc.Name + " has no " + name + " environment"
}

// readable says why an environment cannot be acted on yet, or "".
func readable(e *model.EnvStatus) string {
	if e.FetchedAt.IsZero() {
		if e.Unsupported != "" {
			return e.Service + "/" + e.Environment + ": " + e.Unsupported
		}
		if e.Error != "" {
			return e.Service + "/" + e.Environment + " cannot be read (" + e.Error + ")"
		}
		return e.Service + "/" + e.Environment + " has not been read yet"
	}
	return ""
}

// Seen copies an environment as the user saw it, for an action to compare
// against while the snapshot moves on.
func Seen(e *model.EnvStatus) model.EnvStatus {
	c := *e
	if e.Deployment != nil {
		d := *e.Deployment
		c.Deployment = &d
	}
	if e.BlueGreen != nil {
		bg := *e.BlueGreen
		c.BlueGreen = &bg
	}
	if e.Canary != nil {
		cn := *e.Canary
		c.Canary = &cn
	}
	return c
}

func (p *Pipeline) protected(k model.EnvKey) bool {
	return p.o.Protected != nil && p.o.Protected(k)
}

// ProtectedIn says which of the configured environments are protected,
// for Options.Protected.
func ProtectedIn(specs []model.ServiceSpec) func(model.EnvKey) bool {
	set := map[model.EnvKey]bool{}
	for _, s := range specs {
		for _, e := range s.Environments {
			if e.Protected {
				set[model.EnvKey{Service: s.Name, Environment: e.Name}] = true
			}
		}
	}
	return func(k model.EnvKey) bool { return set[k] }
}

// lastSegment is the end of an ARN ("…/service-deployment/c/s/Ab12" → "Ab12").
func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
