package traffic

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/ecs"
	"github.com/airside-dev/flightdeck/providers/elbv2"
)

func timeNow(o Options) time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// lb is what the load balancer says of one pair (health by side, in the
// order of Pair.sides), and for a canary what CloudWatch says of its
// sides' traffic.
type lb struct {
	fwd     elbv2.Forward
	fwdErr  error
	health  [2]elbv2.Health
	herr    [2]error
	traffic [2]model.CanarySide
	cwErr   error
}

// read reads the pairs: the colours' services (found first when needed),
// then each pair's listener and its two target groups, in parallel.
func (s *Source) read(ctx context.Context, pairs []Pair) ([]model.EnvStatus, []error, error) {
	inner, colour, err := s.colours(ctx, false)
	if err != nil {
		errs := make([]error, len(pairs))
		for i := range errs {
			errs[i] = err
		}
		return s.failAll(pairs, err), errs, err
	}
	var sts map[model.EnvKey]model.EnvStatus
	var innerErr error
	lbs := make([]lb, len(pairs))
	var wg sync.WaitGroup
	wg.Go(func() { sts, innerErr = fetchInner(ctx, inner) })
	for i, p := range pairs {
		wg.Go(func() { lbs[i] = s.readLB(ctx, p) })
	}
	wg.Wait()
	// A colour not where it was found: look again (at most once a
	// minute) before saying so.
	if missing(pairs, colour, sts) && time.Since(s.foundAt()) > time.Minute {
		if inner, colour, err = s.colours(ctx, true); err == nil {
			sts, innerErr = fetchInner(ctx, inner)
		}
	}
	out := make([]model.EnvStatus, len(pairs))
	errs := make([]error, len(pairs))
	var fails []error
	for i, p := range pairs {
		if p.IsCanary() {
			out[i], errs[i] = assembleCanary(p, lbs[i], colour, sts)
		} else {
			out[i], errs[i] = assemble(p, lbs[i], colour, sts)
		}
		// CloudWatch's trouble is the canary's "no data", not the source's.
		fails = append(fails, lbs[i].fwdErr, lbs[i].herr[0], lbs[i].herr[1])
		out[i].FetchedAt = timeNow(s.o)
		if out[i].Error != "" {
			out[i].FetchedAt = time.Time{}
		}
	}
	fails = append(fails, innerErr)
	return out, errs, providers.SourceError(nonNil(fails), len(pairs), func(err error) bool {
		return errors.Is(err, providers.ErrNotFound) || providers.IsPanic(err)
	})
}

func nonNil(errs []error) []error {
	var out []error
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func fetchInner(ctx context.Context, inner *ecs.Source) (map[model.EnvKey]model.EnvStatus, error) {
	out := map[model.EnvKey]model.EnvStatus{}
	if inner == nil {
		return out, nil
	}
	sts, err := inner.Fetch(ctx)
	for _, st := range sts {
		out[st.Key()] = st
	}
	return out, err
}

func missing(pairs []Pair, colour map[string]string, sts map[model.EnvKey]model.EnvStatus) bool {
	for _, p := range pairs {
		for _, sd := range p.sides() {
			st, ok := sts[colourKey(p.Key, sd.name)]
			if colour[sd.tg] == "" || !ok || st.Error != "" && st.Version.SHA == "" && st.Version.Revision == "" {
				return true
			}
		}
	}
	return false
}

func (s *Source) foundAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.found
}

// colours is the inner ECS source and the target group → service map,
// found again when forced or older than rediscover.
func (s *Source) colours(ctx context.Context, force bool) (*ecs.Source, map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.colour != nil && !force && time.Since(s.found) < rediscover {
		return s.inner, s.colour, nil
	}
	colour, err := s.find.services(ctx, s.pairs)
	if err != nil {
		if s.colour != nil {
			return s.inner, s.colour, nil // keep what was found; the reads will say what is wrong
		}
		return nil, nil, err
	}
	if s.inner == nil || !maps.Equal(colour, s.colour) {
		inner, err := innerSource(ctx, s.o, s.pairs, colour)
		if err != nil {
			return nil, nil, err
		}
		s.inner = inner
	}
	s.colour, s.found = colour, time.Now()
	return s.inner, s.colour, nil
}

func (s *Source) failAll(pairs []Pair, err error) []model.EnvStatus {
	out := make([]model.EnvStatus, len(pairs))
	for i, p := range pairs {
		out[i] = failed(p.Key, err)
	}
	return out
}

// readLB reads the pair's forward and both target groups' health, and a
// canary's traffic (one GetMetricData for both sides).
func (s *Source) readLB(ctx context.Context, p Pair) lb {
	var r lb
	var wg sync.WaitGroup
	wg.Go(func() { r.fwd, r.fwdErr = s.elb.Read(ctx, p.Listener) })
	for i, sd := range p.sides() {
		wg.Go(func() { r.health[i], r.herr[i] = s.elb.TargetHealth(ctx, sd.tg) })
	}
	if p.IsCanary() {
		wg.Go(func() { r.traffic, r.cwErr = s.canaryTraffic(ctx, p) })
	}
	wg.Wait()
	return r
}

// assemble is the pair's status: the live colour's, with BlueGreen saying
// which colour that is, what the standby runs, the targets' health and
// why a switch may not go ahead; or the environment's error.
func assemble(p Pair, r lb, colour map[string]string, sts map[model.EnvKey]model.EnvStatus) (model.EnvStatus, error) {
	fail := func(err error) (model.EnvStatus, error) {
		return failed(p.Key, err), err
	}
	switch {
	case r.fwdErr != nil:
		return fail(r.fwdErr)
	case !r.fwd.Has(p.Blue) || !r.fwd.Has(p.Green):
		return fail(fmt.Errorf("%s forwards to %s, not to both configured target groups (blue %s, green %s): %w",
			what(p.Listener), r.fwd.Groups(), elbv2.Name(p.Blue), elbv2.Name(p.Green), providers.ErrNotFound))
	case errors.Is(r.herr[0], providers.ErrNotFound):
		return fail(r.herr[0])
	case errors.Is(r.herr[1], providers.ErrNotFound):
		return fail(r.herr[1])
	}
	live, standby := "blue", "green"
	if r.fwd.Weight(p.Green) > r.fwd.Weight(p.Blue) {
		live, standby = "green", "blue"
	}
	tgOf := map[string]string{"blue": p.Blue, "green": p.Green}
	health := map[string]elbv2.Health{"blue": r.health[0], "green": r.health[1]}
	herr := map[string]error{"blue": r.herr[0], "green": r.herr[1]}
	liveSvc := colour[tgOf[live]]
	lst, ok := sts[colourKey(p.Key, live)]
	if liveSvc == "" || !ok {
		return fail(fmt.Errorf("no ECS service in cluster %s is registered in the live (%s) target group %s", p.Cluster, live, elbv2.Name(tgOf[live])))
	}
	if err := serviceNamed(p, colour[p.Blue], colour[p.Green]); err != nil {
		return fail(err)
	}
	st := lst
	st.Service, st.Environment = p.Key.Service, p.Key.Environment
	sst := sts[colourKey(p.Key, standby)]
	bg := &model.BlueGreen{
		Live: liveSvc, Standby: colour[tgOf[standby]], Listener: p.Listener,
		LiveColor: live, StandbyColor: standby,
		LiveWeight: r.fwd.Weight(tgOf[live]), StandbyWeight: r.fwd.Weight(tgOf[standby]),
		StandbyVersion: sst.Version, StandbyStatus: string(sst.State),
	}
	if herr[live] == nil {
		bg.LiveTargets = counts(health[live])
	}
	if herr[standby] == nil {
		bg.StandbyTargets = counts(health[standby])
	}
	bg.Blocked = blocked(p, bg, lst, sst, herr[standby])
	if others := otherGroups(r.fwd, p.Blue, p.Green); others != "" && bg.Blocked == "" {
		// A switch sets the two colours' weights only: a third group
		// would keep its share, and "all traffic to the standby" would
		// not be true.
		bg.Blocked = fmt.Sprintf("%s also forwards to %s; flightdeck switches only between the blue and green target groups", what(p.Listener), others)
	}
	st.BlueGreen = bg
	return st, nil
}

func what(arn string) string {
	if elbv2.IsRule(arn) {
		return "rule " + arn
	}
	return "listener " + arn
}

func counts(h elbv2.Health) *model.TargetCounts {
	return &model.TargetCounts{Healthy: h.Healthy, Unhealthy: h.Unhealthy, Draining: h.Draining, Initial: h.Initial, Other: h.Other}
}

// blocked says why a switch to the standby may not go ahead now: it
// runs nothing, either side is mid-deploy, or its targets are not all
// healthy (unhealthy, draining, still starting, or none).
func blocked(p Pair, bg *model.BlueGreen, live, standby model.EnvStatus, healthErr error) string {
	sb := fmt.Sprintf("the standby (%s", bg.StandbyColor)
	if bg.Standby != "" {
		sb += ", " + bg.Standby
	}
	sb += ")"
	t := bg.StandbyTargets
	switch {
	case bg.Standby == "":
		return fmt.Sprintf("%s runs nothing: no ECS service in cluster %s is registered in target group %s",
			sb, p.Cluster, elbv2.Name(map[string]string{"blue": p.Blue, "green": p.Green}[bg.StandbyColor]))
	case standby.Error != "":
		return fmt.Sprintf("%s could not be read: %s", sb, standby.Error)
	case standby.Version.SHA == "" && standby.Version.Revision == "":
		return sb + " runs nothing"
	case live.Moving():
		return fmt.Sprintf("the live side (%s, %s) is mid-deploy", bg.LiveColor, bg.Live)
	case standby.Moving():
		return sb + " is mid-deploy"
	case healthErr != nil:
		return fmt.Sprintf("%s's target health is unknown: %v", sb, healthErr)
	case t.Unhealthy > 0:
		return fmt.Sprintf("%s has %d unhealthy target(s)", sb, t.Unhealthy)
	case t.Draining > 0:
		return fmt.Sprintf("%s has %d draining target(s)", sb, t.Draining)
	case t.Initial > 0:
		return fmt.Sprintf("%s has %d target(s) still in their first health checks", sb, t.Initial)
	case t.Healthy == 0:
		return sb + " has no healthy targets"
	}
	return ""
}

// failed is an ECS environment on a listener that could not be read.
func failed(key model.EnvKey, err error) model.EnvStatus {
	st := providers.EnvFailed(key, err)
	st.Target = model.TargetECS
	return st
}

// serviceNamed holds the config's ecs.service to what the listener shows:
// it must be one of the services behind the pair's target groups (a name
// that is neither is a config mistake, not something to ignore).
func serviceNamed(p Pair, a, b string) error {
	if p.Service == "" || p.Service == a || p.Service == b || a == "" && b == "" {
		return nil
	}
	var found []string
	for _, n := range []string{a, b} {
		if n != "" {
			found = append(found, n)
		}
	}
	return fmt.Errorf("ecs.service %s is not behind either target group in cluster %s (found %s): %w",
		p.Service, p.Cluster, strings.Join(found, ", "), providers.ErrNotFound)
}
