package beanstalk

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"

	"github.com/airside-dev/flightdeck/model"
)

// A traffic-splitting deploy is Beanstalk's canary: new instances take
// NewVersionPercent of the traffic for EvaluationTime minutes, then all of
// it if they stay healthy; Beanstalk moves the traffic itself. Which
// policy an environment deploys with, and those two numbers, are option
// settings (DescribeConfigurationSettings), read once per environment and
// again when it starts an update. While such a deploy runs, each
// instance's version and traffic (DescribeInstancesHealth) are summed per
// side: the old version's instances and the new.

const (
	nsCommand              = "aws:elasticbeanstalk:command"
	nsTrafficSplitting     = "aws:elasticbeanstalk:trafficsplitting"
	policyTrafficSplitting = "TrafficSplitting"
	// Beanstalk's defaults for a traffic-splitting deploy.
	defaultCanaryPercent = 10
	defaultEvaluation    = 5 * time.Minute
	// configRetry is how long a failed configuration read is left alone.
	configRetry = time.Minute
)

// deployConfig is what an environment's option settings say about its
// deploys.
type deployConfig struct {
	at         time.Time // when it was read (or failed to be)
	failed     bool
	policy     string
	percent    int
	evaluation time.Duration
}

func (c *deployConfig) trafficSplitting() bool {
	return c != nil && !c.failed && c.policy == policyTrafficSplitting
}

// configDue: the configuration of an environment is read when it was
// never read, when the environment starts an update (its status was not
// Updating last poll), and a while after a failed read; s.mu is held.
func (m *envMemory) configDue(d types.EnvironmentDescription, now time.Time) bool {
	switch {
	case m.cfg == nil:
		return true
	case d.Status == types.EnvironmentStatusUpdating && m.status != string(types.EnvironmentStatusUpdating):
		return true
	}
	return m.cfg.failed && now.Sub(m.cfg.at) >= configRetry
}

// readConfig asks for an environment's deployed option settings. It
// never fails the environment: a failed read is remembered as failed.
func (s *Source) readConfig(ctx context.Context, app string, d types.EnvironmentDescription) *deployConfig {
	cfg := &deployConfig{at: s.now(), failed: true}
	if s.skipped(opDescribeConfigurationSettings) {
		return cfg
	}
	out, err := s.client.DescribeConfigurationSettings(ctx, &eb.DescribeConfigurationSettingsInput{
		ApplicationName: aws.String(app), EnvironmentName: d.EnvironmentName,
	})
	if err != nil {
		s.noteUnsupported(opDescribeConfigurationSettings, err)
		return cfg
	}
	return configFrom(out.ConfigurationSettings, aws.ToString(d.EnvironmentName), cfg.at)
}

// configFrom reads the policy and the canary's numbers from the answer:
// the deployed configuration of the environment (a draft, Beanstalk's
// "pending", is not what deploys). Absent or absurd numbers are
// Beanstalk's defaults.
func configFrom(list []types.ConfigurationSettingsDescription, env string, at time.Time) *deployConfig {
	cfg := &deployConfig{at: at, percent: defaultCanaryPercent, evaluation: defaultEvaluation}
	var chosen *types.ConfigurationSettingsDescription
	for i, c := range list {
		if n := aws.ToString(c.EnvironmentName); n != "" && n != env {
			continue
		}
		if chosen == nil || c.DeploymentStatus == types.ConfigurationDeploymentStatusDeployed {
			chosen = &list[i]
		}
	}
	if chosen == nil {
		return cfg
	}
	for _, o := range chosen.OptionSettings {
		v := aws.ToString(o.Value)
		switch aws.ToString(o.Namespace) + "/" + aws.ToString(o.OptionName) {
		case nsCommand + "/DeploymentPolicy":
			cfg.policy = v
		case nsTrafficSplitting + "/NewVersionPercent":
			if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 100 {
				cfg.percent = n
			}
		case nsTrafficSplitting + "/EvaluationTime":
			if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 600 {
				cfg.evaluation = time.Duration(n) * time.Minute
			}
		}
	}
	return cfg
}

// sideSum is one side's instance traffic, summed over its instances and
// the ten-second windows read during the deploy.
type sideSum struct {
	requests, errors5xx int64
	// p99Weighted sums each instance's p99 times its requests: the
	// side's p99 is their request-weighted mean (the percentiles of the
	// whole are not in the answer; this is the closest honest figure).
	p99Weighted float64
	metrics     bool // some instance carried application metrics
	instances   int
}

// instanceRead is one DescribeInstancesHealth answer, summed by version
// label.
type instanceRead struct {
	refreshed time.Time
	byLabel   map[string]*sideSum
	// firstNew is the earliest deployment time of each label's
	// instances: without the split event, when the new side began.
	firstDeployed map[string]time.Time
}

// readInstances asks for every instance's deployment and traffic; nil
// when they could not be read.
func (s *Source) readInstances(ctx context.Context, d types.EnvironmentDescription) *instanceRead {
	if s.skipped(opDescribeInstancesHealth) {
		return nil
	}
	in := &eb.DescribeInstancesHealthInput{AttributeNames: []types.InstancesHealthAttribute{types.InstancesHealthAttributeAll}}
	if id := aws.ToString(d.EnvironmentId); id != "" {
		in.EnvironmentId = aws.String(id)
	} else {
		in.EnvironmentName = d.EnvironmentName
	}
	r := &instanceRead{byLabel: map[string]*sideSum{}, firstDeployed: map[string]time.Time{}}
	for range pagesRead {
		out, err := s.client.DescribeInstancesHealth(ctx, in)
		if err != nil {
			s.noteUnsupported(opDescribeInstancesHealth, err)
			return nil
		}
		if r.refreshed.IsZero() {
			r.refreshed = aws.ToTime(out.RefreshedAt)
		}
		for _, ih := range out.InstanceHealthList {
			r.add(ih)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return r
}

// add sums one instance into its label's side.
func (r *instanceRead) add(ih types.SingleInstanceHealth) {
	label := ""
	if ih.Deployment != nil {
		label = aws.ToString(ih.Deployment.VersionLabel)
		if at := aws.ToTime(ih.Deployment.DeploymentTime); !at.IsZero() {
			if first, ok := r.firstDeployed[label]; !ok || at.Before(first) {
				r.firstDeployed[label] = at
			}
		}
	}
	side := r.byLabel[label]
	if side == nil {
		side = &sideSum{}
		r.byLabel[label] = side
	}
	side.instances++
	am := ih.ApplicationMetrics
	if am == nil {
		return
	}
	side.metrics = true
	n := int64(max(0, am.RequestCount))
	side.requests += n
	if sc := am.StatusCodes; sc != nil {
		side.errors5xx += int64(max(0, aws.ToInt32(sc.Status5xx)))
	}
	if l := am.Latency; l != nil && n > 0 {
		side.p99Weighted += max(0, aws.ToFloat64(l.P99)) * float64(n)
	}
}

// canaryMemory is a traffic-splitting deploy's traffic as read so far.
type canaryMemory struct {
	started time.Time // the update's start: another update starts afresh
	to      string    // the new version's label
	last    time.Time // the newest window taken
	stable  sideSum
	canary  sideSum
	// stableMin and canaryMin are the same sums by minute, for the
	// panel's sparklines and the latency test.
	stableMin, canaryMin map[time.Time]*sideSum
	newSince             time.Time // the new instances' first deployment
	// oldLabel is the label most of the other instances carry, for a
	// deploy whose start this source did not see.
	oldLabel string
}

// take sums one read into the deploy's sides, once per ten-second
// window: the new label's instances are the canary, all others stable.
func (c *canaryMemory) take(r *instanceRead, u update, to string) {
	if c.started != u.started || c.to != to {
		*c = canaryMemory{started: u.started, to: to}
	}
	if !r.refreshed.IsZero() && !r.refreshed.After(c.last) {
		return
	}
	c.last = r.refreshed
	best, most := "", 0
	for label, sum := range r.byLabel {
		if label != to && label != "" && (sum.instances > most || sum.instances == most && label < best) {
			best, most = label, sum.instances
		}
	}
	if best != "" {
		c.oldLabel = best
	}
	if c.stableMin == nil {
		c.stableMin, c.canaryMin = map[time.Time]*sideSum{}, map[time.Time]*sideSum{}
	}
	minute := r.refreshed.Truncate(time.Minute)
	for label, sum := range r.byLabel {
		side, byMin := &c.stable, c.stableMin
		if label == to {
			side, byMin = &c.canary, c.canaryMin
			if at := r.firstDeployed[label]; !at.IsZero() && (c.newSince.IsZero() || at.Before(c.newSince)) {
				c.newSince = at
			}
		}
		side.plus(*sum)
		if !minute.IsZero() {
			if byMin[minute] == nil {
				byMin[minute] = &sideSum{}
			}
			byMin[minute].plus(*sum)
		}
	}
}

// plus adds another sum's traffic to s.
func (s *sideSum) plus(o sideSum) {
	s.requests += o.requests
	s.errors5xx += o.errors5xx
	s.p99Weighted += o.p99Weighted
	s.metrics = s.metrics || o.metrics
}

// seriesMinutes bounds the per-minute series to the panel's window.
const seriesMinutes = 15

// seriesStart is the first minute both sides' series show: the first
// minute read of either, at most seriesMinutes before the last.
func seriesStart(last time.Time, sides ...map[time.Time]*sideSum) time.Time {
	first := last.Truncate(time.Minute)
	for _, byMin := range sides {
		for m := range byMin {
			if m.Before(first) {
				first = m
			}
		}
	}
	if floor := last.Truncate(time.Minute).Add(-(seriesMinutes - 1) * time.Minute); first.Before(floor) {
		first = floor
	}
	return first
}

// series fills a side's per-minute series, oldest first, from first to
// last; a minute with no read is NaN, not zero traffic.
func series(side *model.CanarySide, byMin map[time.Time]*sideSum, first, last time.Time) {
	if len(byMin) == 0 || last.IsZero() {
		return
	}
	for m := first; !m.After(last); m = m.Add(time.Minute) {
		req, errs, lat := math.NaN(), math.NaN(), math.NaN()
		if s := byMin[m]; s != nil && s.metrics {
			req, errs = float64(s.requests), float64(s.errors5xx)
			if s.requests > 0 {
				lat = s.p99Weighted / float64(s.requests)
			}
		}
		side.RequestSeries = append(side.RequestSeries, req)
		side.ErrorSeries = append(side.ErrorSeries, errs)
		side.LatencySeries = append(side.LatencySeries, lat)
	}
}

// canary is the traffic-splitting deploy in flight on an Updating
// environment, or nil when it deploys otherwise; s.mu is held.
func (s *Source) canary(e Environment, d types.EnvironmentDescription, m *envMemory) *model.Canary {
	if d.Status != types.EnvironmentStatusUpdating || !m.cfg.trafficSplitting() {
		return nil
	}
	u := m.upd
	to := u.to
	if to == "" {
		to = aws.ToString(d.VersionLabel)
	}
	cm := m.canary
	if cm.started != u.started || cm.to != to {
		cm = canaryMemory{} // nothing read of this deploy yet
	}
	from := u.from
	if from == "" {
		from = cm.oldLabel
	}
	c := &model.Canary{Source: string(model.TargetBeanstalk), Steps: []int{m.cfg.percent, 100}, Step: -1,
		Stable: s.side(e, from, cm.stable), Canary: s.side(e, to, cm.canary)}
	first := seriesStart(cm.last, cm.stableMin, cm.canaryMin)
	series(&c.Stable, cm.stableMin, first, cm.last)
	series(&c.Canary, cm.canaryMin, first, cm.last)
	start := u.split
	if start.IsZero() {
		start = cm.newSince
	}
	switch {
	case u.failed || u.rollingBack || u.aborted:
		c.Stage = "rolling back"
		c.Blocked = fmt.Sprintf("the deploy failed; Beanstalk is sending all traffic back to %s", orNone(from))
		c.AbortBlocked = c.Blocked
	case start.IsZero():
		// The new instances are launching: no traffic is theirs yet.
		c.Stage = "launching"
	default:
		c.Weight, c.Step, c.Stage = m.cfg.percent, 0, "evaluation"
		c.EndsAt = start.Add(m.cfg.evaluation)
	}
	return c
}

// side is one side of the canary as the model shows it.
func (s *Source) side(e Environment, label string, sum sideSum) model.CanarySide {
	side := model.CanarySide{Version: s.versionLocked(e, label), Target: label,
		Requests: sum.requests, Errors5xx: sum.errors5xx, NoData: !sum.metrics}
	if sum.requests > 0 {
		side.P99 = sum.p99Weighted / float64(sum.requests)
	}
	return side
}

// minutes is a whole number of minutes as a sentence says it: "5-minute".
func minutes(d time.Duration) string { return fmt.Sprintf("%d-minute", int(d.Minutes())) }
