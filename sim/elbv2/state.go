package elbv2

import (
	"fmt"
	"maps"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// DrainFor is how long a target stays "draining" after its task is gone:
// the target group's deregistration delay, short so the demo shows it.
const DrainFor = 15 * time.Second

// Task is one task of the service registered in a target group, as the
// world's glue reports it.
type Task struct {
	ID      string
	Running bool // false while it starts
}

// Targets is what the world wires in: the tasks of the ECS service whose
// loadBalancers name a target group (ok false when none does).
type Targets interface {
	Tasks(targetGroupARN string) (tasks []Task, ok bool)
}

// SetTargets wires the tasks behind the target groups.
func (pt *Part) SetTargets(t Targets) { pt.targets = t }

type loadBalancer struct {
	arn, name, region, dns string
	created                time.Time
}

// forward is a forward action's target groups and weights, in order,
// and its stickiness.
type forward struct {
	groups    []weighted
	sticky    bool
	stickySec int // 0: not given
}

type weighted struct {
	tg     string
	weight int
}

type listener struct {
	arn      string
	lb       *loadBalancer
	port     int
	protocol string
	action   forward
	rules    []*rule // by priority; the default rule is not here
}

type rule struct {
	arn      string
	priority int
	paths    []string // path-pattern condition values
	action   forward
}

type targetGroup struct {
	arn, name, region string
	port              int
	seen              map[string]*seenTarget // by task ID: targets met, for draining
	order             []string               // task IDs in the order first seen
}

type seenTarget struct {
	ip, az  string
	running bool
	goneAt  time.Time // zero while the task is there
}

// --- the scenario's vocabulary (the loop held) ---

func (pt *Part) arn(region, resource string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:%s", region, pt.account, resource)
}

// idFor is a 16-hex-digit id derived from names: stable, drawing nothing
// from the world's random source.
func idFor(parts ...string) string {
	return fmt.Sprintf("%08x%08x", ids.Hash(parts...), ids.Hash(append(parts, "2")...))
}

// AddLoadBalancer creates an application load balancer and returns its ARN.
func (pt *Part) AddLoadBalancer(name, region string) string {
	id := idFor("lb", region, name)
	lb := &loadBalancer{arn: pt.arn(region, "loadbalancer/app/"+name+"/"+id), name: name, region: region,
		dns: fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", name, ids.Hash(id)%1e9, region), created: pt.loop.Now()}
	pt.lbs = append(pt.lbs, lb)
	return lb.arn
}

// AddTargetGroup creates an IP target group (for awsvpc tasks) on port.
func (pt *Part) AddTargetGroup(name, region string, port int) string {
	tg := &targetGroup{arn: pt.arn(region, "targetgroup/"+name+"/"+idFor("tg", region, name)), name: name,
		region: region, port: port, seen: map[string]*seenTarget{}}
	pt.tgs = append(pt.tgs, tg)
	return tg.arn
}

// Weight is one target group of a weighted forward.
type Weight struct {
	TargetGroup string
	Weight      int
}

// AddListener creates an HTTP listener on the load balancer forwarding to
// the weighted target groups; "" when the load balancer is unknown.
func (pt *Part) AddListener(lbARN string, port int, to []Weight) string {
	lb := pt.loadBalancer(lbARN)
	if lb == nil {
		return ""
	}
	lid := idFor("listener", lbARN, fmt.Sprint(port))
	l := &listener{arn: pt.arn(lb.region, "listener/app/"+lb.name+"/"+lastPart(lb.arn)+"/"+lid),
		lb: lb, port: port, protocol: "HTTP", action: forwardOf(to)}
	pt.listeners = append(pt.listeners, l)
	pt.noteWeights(l.arn, l.action)
	return l.arn
}

// AddRule adds a path-pattern rule at priority to a listener, forwarding
// to the weighted target groups; "" when the listener is unknown.
func (pt *Part) AddRule(listenerARN string, priority int, path string, to []Weight) string {
	l := pt.listener(listenerARN)
	if l == nil {
		return ""
	}
	rid := idFor("rule", listenerARN, fmt.Sprint(priority))
	r := &rule{arn: pt.arn(l.lb.region, "listener-rule/app/"+l.lb.name+"/"+lastPart(l.lb.arn)+"/"+lastPart(l.arn)+"/"+rid),
		priority: priority, paths: []string{path}, action: forwardOf(to)}
	i := 0
	for i < len(l.rules) && l.rules[i].priority < priority {
		i++
	}
	l.rules = append(l.rules[:i], append([]*rule{r}, l.rules[i:]...)...)
	pt.noteWeights(r.arn, r.action)
	return r.arn
}

func forwardOf(to []Weight) forward {
	var f forward
	for _, w := range to {
		f.groups = append(f.groups, weighted{tg: w.TargetGroup, weight: w.Weight})
	}
	return f
}

// Weights is the share of a listener's (or a rule's) traffic each target
// group gets: its forward weights by target group ARN (nil for an unknown
// ARN). CloudWatch's ALB metrics follow them.
func (pt *Part) Weights(arn string) map[string]int {
	var f *forward
	if l := pt.listener(arn); l != nil {
		f = &l.action
	} else if r, _ := pt.rule(arn); r != nil {
		f = &r.action
	}
	if f == nil {
		return nil
	}
	out := map[string]int{}
	for _, g := range f.groups {
		out[g.tg] += g.weight
	}
	return maps.Clone(out)
}

// SetWeights sets a listener's (or rule's) forward weights by target
// group, as the team's own tooling would (a group not named keeps its
// weight); false for an unknown ARN.
func (pt *Part) SetWeights(arn string, weights map[string]int) bool {
	var f *forward
	if l := pt.listener(arn); l != nil {
		f = &l.action
	} else if r, _ := pt.rule(arn); r != nil {
		f = &r.action
	}
	if f == nil {
		return false
	}
	fw := *f
	fw.groups = append([]weighted(nil), f.groups...)
	for i, g := range fw.groups {
		if w, ok := weights[g.tg]; ok {
			fw.groups[i].weight = w
		}
	}
	*f = fw
	pt.noteWeights(arn, fw)
	return true
}

// weightChange is a forward's weights from a moment on.
type weightChange struct {
	at      time.Time
	weights map[string]int
}

// noteWeights records a forward's weights as of now.
func (pt *Part) noteWeights(arn string, f forward) {
	if pt.history == nil {
		pt.history = map[string][]weightChange{}
	}
	w := map[string]int{}
	for _, g := range f.groups {
		w[g.tg] += g.weight
	}
	pt.history[arn] = append(pt.history[arn], weightChange{at: pt.loop.Now(), weights: w})
}

// Share is the part of a listener's (or rule's) traffic that went to the
// target group over [from, to), 0..1: each weighting in force then,
// weighted by how long it was. The weights a listener was created with
// count from before it was; an unknown ARN or group gets none.
func (pt *Part) Share(arn, tg string, from, to time.Time) float64 {
	h := pt.history[arn]
	span := to.Sub(from).Seconds()
	if len(h) == 0 || span <= 0 {
		return 0
	}
	var sum float64
	for i, c := range h {
		start, end := c.at, to
		if i == 0 && from.Before(start) {
			start = from
		}
		if i+1 < len(h) {
			end = h[i+1].at
		}
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(start) {
			sum += end.Sub(start).Seconds() * fraction(c.weights, tg)
		}
	}
	return sum / span
}

func fraction(weights map[string]int, tg string) float64 {
	total := 0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return 0
	}
	return float64(weights[tg]) / float64(total)
}

func lastPart(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

func (pt *Part) loadBalancer(arn string) *loadBalancer {
	for _, lb := range pt.lbs {
		if lb.arn == arn {
			return lb
		}
	}
	return nil
}

func (pt *Part) listener(arn string) *listener {
	for _, l := range pt.listeners {
		if l.arn == arn {
			return l
		}
	}
	return nil
}

func (pt *Part) rule(arn string) (*rule, *listener) {
	for _, l := range pt.listeners {
		for _, r := range l.rules {
			if r.arn == arn {
				return r, l
			}
		}
	}
	return nil, nil
}

func (pt *Part) targetGroup(arn string) *targetGroup {
	for _, tg := range pt.tgs {
		if tg.arn == arn {
			return tg
		}
	}
	return nil
}

// loadBalancersOf are the load balancers whose listeners or rules forward
// to the target group.
func (pt *Part) loadBalancersOf(tg string) []string {
	var out []string
	for _, l := range pt.listeners {
		uses := l.action.uses(tg)
		for _, r := range l.rules {
			uses = uses || r.action.uses(tg)
		}
		if uses && (len(out) == 0 || out[len(out)-1] != l.lb.arn) {
			out = append(out, l.lb.arn)
		}
	}
	return out
}

func (f forward) uses(tg string) bool {
	for _, g := range f.groups {
		if g.tg == tg {
			return true
		}
	}
	return false
}

// --- target health ---

// TargetState is one target's health as DescribeTargetHealth reports it.
type TargetState struct {
	ID, IP, AZ  string
	State       string // initial, healthy, draining
	Reason      string
	Description string
}

// observe brings the target group's targets up to date with the tasks
// behind it: new tasks are met, gone ones start draining, drained ones
// are forgotten. It returns the targets in the order first met.
func (pt *Part) observe(tg *targetGroup) []TargetState {
	now := pt.loop.Now()
	present := map[string]bool{}
	if pt.targets != nil {
		tasks, _ := pt.targets.Tasks(tg.arn)
		for _, t := range tasks {
			present[t.ID] = true
			st := tg.seen[t.ID]
			if st == nil {
				h := ids.Hash(tg.arn, t.ID)
				st = &seenTarget{ip: fmt.Sprintf("10.0.%d.%d", 16+h%96, 2+(h>>8)%250), az: tg.region + string(rune('a'+h%3))}
				tg.seen[t.ID] = st
				tg.order = append(tg.order, t.ID)
			}
			st.running, st.goneAt = t.Running, time.Time{}
		}
	}
	var out []TargetState
	keep := tg.order[:0]
	for _, id := range tg.order {
		st := tg.seen[id]
		if !present[id] && st.goneAt.IsZero() {
			st.goneAt = now
		}
		if !st.goneAt.IsZero() && now.Sub(st.goneAt) >= pt.loop.Pace(DrainFor) {
			delete(tg.seen, id)
			continue
		}
		keep = append(keep, id)
		ts := TargetState{ID: id, IP: st.ip, AZ: st.az}
		switch {
		case !st.goneAt.IsZero():
			ts.State, ts.Reason, ts.Description = "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
		case !st.running:
			ts.State, ts.Reason, ts.Description = "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
		default:
			ts.State = "healthy"
		}
		out = append(out, ts)
	}
	tg.order = keep
	return out
}

// Health is the target group's targets now, for the world's tests and
// CloudWatch's healthy host counts; nil for an unknown ARN.
func (pt *Part) Health(tgARN string) []TargetState {
	tg := pt.targetGroup(tgARN)
	if tg == nil {
		return nil
	}
	return pt.observe(tg)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
