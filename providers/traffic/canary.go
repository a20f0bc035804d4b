package traffic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/cloudwatch"
	"github.com/airside-dev/flightdeck/providers/elbv2"
)

// A canary on a listener, as read:
//
//   - Weight is the canary target group's share of the forward's weights,
//     in percent (rounded); Step its index in the configured steps.
//   - Stage is "not started" at weight 0 with a new version on the canary
//     side (after a deploy to it, and after an abort), "canary" while
//     0 < weight < 100, "promoted" at 100, and "idle" at 0 when both sides
//     run the same version. Canary is never nil on a readable listener:
//     "promote" from 0 to the first step is how a canary starts, so the
//     panel must be there to press it on; idle says why there is nothing
//     to start (Blocked).
//   - The environment's status is the stable side's service, except at
//     weight 100, where the canary's serves all of production.
//
// Steps use ModifyListener (or ModifyRule), weights canary w and stable
// 100-w, the rest of the action (stickiness, other actions) kept.

// canaryTraffic reads both sides' traffic over the judge's window: one
// GetMetricData. On any error the sides are NoData, never zero traffic.
func (s *Source) canaryTraffic(ctx context.Context, p Pair) ([2]model.CanarySide, error) {
	if s.cw == nil {
		return [2]model.CanarySide{{NoData: true}, {NoData: true}}, errors.New("no CloudWatch client")
	}
	stable, canary, err := s.cw.Sides(ctx, p.Listener, p.Stable, p.Canary, cloudwatch.Window, timeNow(s.o))
	return [2]model.CanarySide{stable, canary}, err
}

// canaryShare is the canary group's share of the forward, in percent, and
// the other groups the forward sends traffic to (weight > 0), named. A
// weight below 0 (no ELBv2 answers one) counts as 0.
func canaryShare(f elbv2.Forward, p Pair) (weight int, others string) {
	var total, canary float64
	for _, w := range f.Weights {
		n := float64(max(w.Weight, 0))
		total += n
		if w.TargetGroup == p.Canary {
			canary += n
		}
	}
	others = otherGroups(f, p.Stable, p.Canary)
	if total <= 0 {
		return 0, others
	}
	return int(math.Round(100 * canary / total)), others
}

// otherGroups names the target groups other than a and b that the forward
// sends traffic to, with their weights ("" when none does).
func otherGroups(f elbv2.Forward, a, b string) string {
	var names []string
	for _, w := range f.Weights {
		if w.TargetGroup != a && w.TargetGroup != b && w.Weight > 0 {
			names = append(names, fmt.Sprintf("%s (%d)", elbv2.Name(w.TargetGroup), w.Weight))
		}
	}
	return strings.Join(names, ", ")
}

// assembleCanary is a canary environment's status: the serving side's,
// with Canary saying the weights, both sides and why no step may be taken
// now; or the environment's error when the listener is not as configured.
func assembleCanary(p Pair, r lb, svcOf map[string]string, sts map[model.EnvKey]model.EnvStatus) (model.EnvStatus, error) {
	fail := func(err error) (model.EnvStatus, error) {
		return failed(p.Key, err), err
	}
	switch {
	case r.fwdErr != nil:
		return fail(r.fwdErr)
	case !r.fwd.Has(p.Stable) || !r.fwd.Has(p.Canary):
		return fail(fmt.Errorf("%s forwards to %s, not to both configured target groups (stable %s, canary %s): %w",
			what(p.Listener), r.fwd.Groups(), elbv2.Name(p.Stable), elbv2.Name(p.Canary), providers.ErrNotFound))
	case errors.Is(r.herr[0], providers.ErrNotFound):
		return fail(r.herr[0])
	case errors.Is(r.herr[1], providers.ErrNotFound):
		return fail(r.herr[1])
	}
	stable, ok := sts[colourKey(p.Key, "stable")]
	if svcOf[p.Stable] == "" || !ok {
		return fail(fmt.Errorf("no ECS service in cluster %s is registered in the stable target group %s", p.Cluster, elbv2.Name(p.Stable)))
	}
	if err := serviceNamed(p, svcOf[p.Stable], svcOf[p.Canary]); err != nil {
		return fail(err)
	}
	canary := sts[colourKey(p.Key, "canary")]
	weight, others := canaryShare(r.fwd, p)
	st := stable
	if weight >= 100 && runs(canary) {
		st = canary
	}
	st.Service, st.Environment = p.Key.Service, p.Key.Environment
	c := &model.Canary{Source: "listener", Weight: weight, Steps: slices.Clone(p.Steps), Step: slices.Index(p.Steps, weight),
		Stable: r.traffic[0], Canary: r.traffic[1]}
	c.Stable.Version, c.Stable.Target = stable.Version, elbv2.Name(p.Stable)
	c.Canary.Version, c.Canary.Target = canary.Version, elbv2.Name(p.Canary)
	c.Stage = canaryStage(weight, stable.Version, canary.Version)
	c.Blocked = canaryBlocked(p, svcOf, weight, others, stable, canary, r.health[1], r.herr[1])
	c.AbortBlocked = abortBlocked(p, svcOf, others, stable)
	if r.cwErr != nil {
		c.MetricsError = providers.OneLine(r.cwErr.Error(), 300)
	}
	st.Canary = c
	return st, nil
}

func runs(st model.EnvStatus) bool { return st.Version.SHA != "" || st.Version.Revision != "" }

// sameVersion says whether two sides run the same thing: the commit when
// both name one, else the image.
func sameVersion(a, b model.Version) bool {
	if a.SHA != "" && b.SHA != "" {
		return model.SameCommit(a.SHA, b.SHA)
	}
	return a.Artifact != "" && a.Artifact == b.Artifact
}

func canaryStage(weight int, stable, canary model.Version) string {
	switch {
	case weight >= 100:
		return "promoted"
	case weight > 0:
		return "canary"
	case sameVersion(stable, canary):
		return "idle"
	}
	return "not started"
}

// canaryBlocked says why no step may be taken now: the listener sends
// traffic elsewhere too, the canary side runs nothing, either side is
// mid-deploy, the canary side has no healthy targets, or (at weight 0)
// both sides run the same version, so there is nothing to try.
func canaryBlocked(p Pair, svcOf map[string]string, weight int, others string, stable, canary model.EnvStatus, h elbv2.Health, herr error) string {
	cs := "the canary side"
	if svc := svcOf[p.Canary]; svc != "" {
		cs += " (" + svc + ")"
	}
	switch {
	case others != "":
		return fmt.Sprintf("%s also forwards to %s; flightdeck steps only the stable and canary target groups", what(p.Listener), others)
	case svcOf[p.Canary] == "":
		return fmt.Sprintf("%s runs nothing: no ECS service in cluster %s is registered in target group %s", cs, p.Cluster, elbv2.Name(p.Canary))
	case canary.Error != "":
		return fmt.Sprintf("%s could not be read: %s", cs, canary.Error)
	case !runs(canary):
		return cs + " runs nothing"
	case stable.Moving():
		return fmt.Sprintf("the stable side (%s) is mid-deploy", svcOf[p.Stable])
	case canary.Moving():
		return cs + " is mid-deploy"
	case herr != nil:
		return fmt.Sprintf("%s's target health is unknown: %v", cs, herr)
	case h.Healthy == 0:
		return cs + " has no healthy targets"
	case weight == 0 && sameVersion(stable.Version, canary.Version):
		return fmt.Sprintf("both sides run %s: deploy the new version to %s first", stable.Version.Short(), svcOf[p.Canary])
	}
	return ""
}

// abortBlocked says why the traffic may not be sent back to the stable
// side: the listener forwards to other groups too (new weights would drop
// them), or the stable side runs nothing or could not be read.
func abortBlocked(p Pair, svcOf map[string]string, others string, stable model.EnvStatus) string {
	ss := "the stable side"
	if svc := svcOf[p.Stable]; svc != "" {
		ss += " (" + svc + ")"
	}
	switch {
	case others != "":
		return fmt.Sprintf("%s also forwards to %s; flightdeck steps only the stable and canary target groups", what(p.Listener), others)
	case svcOf[p.Stable] == "":
		return fmt.Sprintf("%s runs nothing: no ECS service in cluster %s is registered in target group %s", ss, p.Cluster, elbv2.Name(p.Stable))
	case stable.Error != "":
		return fmt.Sprintf("%s could not be read: %s", ss, stable.Error)
	case !runs(stable):
		return ss + " runs nothing"
	}
	return ""
}

// StepCanary moves the canary one step: promote to the next configured
// weight (from 0, the first step: the canary starts), abort to 0. It reads
// the canary again first and refuses (a *model.Refusal) when a step is
// blocked, when there is no step to take, and when the listener's weights
// moved between that read and the one the new weights are written over.
func (s *Source) StepCanary(ctx context.Context, key model.EnvKey, promote, dryRun bool) (providers.Receipt, error) {
	p, err := s.pair(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	if !p.IsCanary() {
		return providers.Receipt{}, model.Refuse("%s/%s is a blue/green pair, not a canary", key.Service, key.Environment)
	}
	st, err := s.FetchEnv(ctx, key)
	if err != nil {
		return providers.Receipt{}, err
	}
	c := st.Canary
	switch {
	case c == nil:
		return providers.Receipt{}, fmt.Errorf("%s/%s: no canary read", key.Service, key.Environment)
	case promote && c.Blocked != "":
		return providers.Receipt{}, model.Refuse("cannot step the canary of %s/%s: %s", key.Service, key.Environment, c.Blocked)
	case !promote && c.AbortBlocked != "":
		return providers.Receipt{}, model.Refuse("cannot abort the canary of %s/%s: %s", key.Service, key.Environment, c.AbortBlocked)
	case promote && c.Weight >= 100:
		return providers.Receipt{}, model.Refuse("%s/%s: the canary already takes all the traffic", key.Service, key.Environment)
	case !promote && c.Weight == 0:
		return providers.Receipt{}, model.Refuse("%s/%s: the canary takes no traffic; there is nothing to abort", key.Service, key.Environment)
	}
	fwd, err := s.elb.Read(ctx, p.Listener)
	if err != nil {
		return providers.Receipt{}, err
	}
	if w, _ := canaryShare(fwd, p); w != c.Weight {
		return providers.Receipt{}, model.Refuse("%s/%s: the canary moved from %d %% to %d %% meanwhile; look again before acting", key.Service, key.Environment, c.Weight, w)
	}
	to := 0
	if promote {
		to = c.NextWeight()
	}
	op, param := "ModifyListener", "ListenerArn"
	if elbv2.IsRule(p.Listener) {
		op, param = "ModifyRule", "RuleArn"
	}
	call := providers.Call{Operation: op, Params: map[string]string{
		param: p.Listener, "forward " + elbv2.Name(p.Canary): strconv.Itoa(to), "forward " + elbv2.Name(p.Stable): strconv.Itoa(100 - to),
	}}
	what := fmt.Sprintf("move %s's canary (%s) from %d%% to %d%% of the traffic", what(p.Listener), elbv2.Name(p.Canary), c.Weight, to)
	if !promote {
		what = fmt.Sprintf("send all of %s's traffic back to the stable side (%s)", p.Listener, elbv2.Name(p.Stable))
	}
	return providers.Perform(call, dryRun, what, func() (string, string, error) {
		got, rid, err := s.elb.SetWeights(ctx, fwd, map[string]int{p.Canary: to, p.Stable: 100 - to})
		if err != nil {
			return rid, "", err
		}
		w, _ := canaryShare(got, p)
		return rid, fmt.Sprintf("the canary (%s) now takes %d%% of the traffic", elbv2.Name(p.Canary), w), nil
	})
}

// describeCanary says what a canary step sends, in ELBv2's words.
func describeCanary(p Pair, a model.Action) string {
	op := "ModifyListener"
	if elbv2.IsRule(p.Listener) {
		op = "ModifyRule"
	}
	to := 0
	if a.Kind == model.ActionCanaryPromote {
		to = a.NextWeight
	}
	return fmt.Sprintf("%s: %s forwards %d%% to the canary (%s) and %d%% to the stable side (%s); stickiness and the rest of the action kept",
		op, p.Listener, to, elbv2.Name(p.Canary), 100-to, elbv2.Name(p.Stable))
}
