package traffic

import (
	"context"
	"fmt"
	"strconv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/elbv2"
)

// Switch moves all of the pair's traffic to the standby: ModifyListener
// (or ModifyRule) with the standby's target group at 100 and the live
// one at 0, the rest of the action as it was. It reads the pair again
// first and refuses (a *model.Refusal) when a switch is blocked.
func (s *Source) Switch(ctx context.Context, key model.EnvKey, dryRun bool) (providers.Receipt, error) {
	p, err := s.pair(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	st, err := s.FetchEnv(ctx, key)
	if err != nil {
		return providers.Receipt{}, err
	}
	bg := st.BlueGreen
	if p.IsCanary() {
		return providers.Receipt{}, model.Refuse("%s/%s is a canary, not a blue/green pair: step it with canary promote or abort", key.Service, key.Environment)
	}
	if bg == nil {
		return providers.Receipt{}, fmt.Errorf("%s/%s: no blue/green pair read", key.Service, key.Environment)
	}
	if bg.Blocked != "" {
		return providers.Receipt{}, model.Refuse("cannot switch %s/%s: %s", key.Service, key.Environment, bg.Blocked)
	}
	fwd, err := s.elb.Read(ctx, p.Listener)
	if err != nil {
		return providers.Receipt{}, err
	}
	to, from := p.Green, p.Blue
	if bg.StandbyColor == "blue" {
		to, from = p.Blue, p.Green
	}
	if fwd.Weight(to) > fwd.Weight(from) {
		return providers.Receipt{}, model.Refuse("%s/%s switched meanwhile: %s already takes the traffic; look again before acting", key.Service, key.Environment, bg.StandbyColor)
	}
	op, param := "ModifyListener", "ListenerArn"
	if elbv2.IsRule(p.Listener) {
		op, param = "ModifyRule", "RuleArn"
	}
	c := providers.Call{Operation: op, Params: map[string]string{
		param: p.Listener, "forward " + elbv2.Name(to): "100", "forward " + elbv2.Name(from): "0",
	}}
	what := fmt.Sprintf("send all of %s's traffic to %s (%s)", what(p.Listener), bg.StandbyColor, bg.Standby)
	return providers.Perform(c, dryRun, what, func() (string, string, error) {
		got, rid, err := s.elb.SetWeights(ctx, fwd, map[string]int{to: 100, from: 0})
		if err != nil {
			return rid, "", err
		}
		return rid, fmt.Sprintf("%s (%s) now takes %s%% of the traffic", bg.StandbyColor, bg.Standby, strconv.Itoa(got.Weight(to))), nil
	})
}

// Describe says what confirming an action sends, in ELBv2's words.
func (s *Source) Describe(a model.Action) string {
	p, err := s.pair(model.EnvKey{Service: a.Service, Environment: a.Environment})
	if err == nil && p.IsCanary() {
		if a.Kind == model.ActionCanaryPromote || a.Kind == model.ActionCanaryAbort {
			return describeCanary(p, a)
		}
		return fmt.Sprintf("a canary on a listener cannot %s here", a.Kind)
	}
	if err != nil || a.Kind != model.ActionSwitch {
		return fmt.Sprintf("a blue/green pair on a listener cannot %s here", a.Kind)
	}
	op := "ModifyListener"
	if elbv2.IsRule(p.Listener) {
		op = "ModifyRule"
	}
	return fmt.Sprintf("%s: %s forwards 100%% to the standby (%s) and 0%% to %s; stickiness and the rest of the action kept",
		op, p.Listener, orUnknown(a.Standby), orUnknown(a.Live))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
