package ecs

import (
	"encoding/json"
	"maps"
	"time"
)

// LoadBalancer is one of a service's loadBalancers: the target group its
// tasks are registered in, by container and port (awsvpc tasks by IP).
type LoadBalancer struct {
	TargetGroupArn string `json:"targetGroupArn"`
	ContainerName  string `json:"containerName"`
	ContainerPort  int    `json:"containerPort"`
	// AdvancedConfiguration is a native blue/green, canary or linear
	// service's second target group and the rules ECS moves weights on.
	AdvancedConfiguration *AdvancedConfiguration `json:"advancedConfiguration,omitempty"`
}

// AdvancedConfiguration is a load balancer's advancedConfiguration.
type AdvancedConfiguration struct {
	AlternateTargetGroupArn string `json:"alternateTargetGroupArn"`
	ProductionListenerRule  string `json:"productionListenerRule,omitempty"`
	TestListenerRule        string `json:"testListenerRule,omitempty"`
	RoleArn                 string `json:"roleArn,omitempty"`
}

// resolvedLoadBalancers is a revision's resolvedConfiguration.loadBalancers:
// the target group its tasks register in (a native service's revisions
// take the primary and the alternate group in turn) and the production
// listener rule; none for a service without an advancedConfiguration.
func (pt *Part) resolvedLoadBalancers(r *serviceRevision) []map[string]string {
	var out []map[string]string
	for _, lb := range pt.lbs[r.svc.arn] {
		if lb.AdvancedConfiguration == nil {
			continue
		}
		tg := lb.TargetGroupArn
		if r.alternate {
			tg = lb.AdvancedConfiguration.AlternateTargetGroupArn
		}
		out = append(out, map[string]string{"targetGroupArn": tg, "productionListenerRule": lb.AdvancedConfiguration.ProductionListenerRule})
	}
	return out
}

// shareMark is a native service's production shares from a time on.
type shareMark struct {
	at     time.Time
	shares map[string]float64
}

// sharesKept bounds a service's share log (a deploy makes about four).
const sharesKept = 200

// noteShares logs the service's production shares when they changed, so
// that a minute CloudWatch reads late still has the shares of its time.
func (pt *Part) noteShares(s *service) {
	now := pt.ProductionShares(s.cl.name, s.name)
	if now == nil {
		return
	}
	if pt.shareLog == nil {
		pt.shareLog = map[*service][]shareMark{}
	}
	log := pt.shareLog[s]
	if n := len(log); n > 0 && maps.Equal(log[n-1].shares, now) {
		return
	}
	if len(log) >= sharesKept {
		log = log[1:]
	}
	pt.shareLog[s] = append(log, shareMark{at: pt.loop.Now(), shares: now})
}

// ProductionSharesAt is ProductionShares as it was at the time (the last
// change logged by then); nil before the service had a load balancer.
func (pt *Part) ProductionSharesAt(cluster, service string, at time.Time) map[string]float64 {
	c := pt.clusters[cluster]
	if c == nil || c.services[service] == nil {
		return nil
	}
	log := pt.shareLog[c.services[service]]
	for i := len(log) - 1; i >= 0; i-- {
		if !log[i].at.After(at) {
			return log[i].shares
		}
	}
	return nil
}

// ProductionShares is each target group's share (0..1) of the native
// service's production traffic now: the source revision's and the
// target's while a deployment shifts, the serving revision's otherwise;
// nil for a service without an advancedConfiguration.
func (pt *Part) ProductionShares(cluster, service string) map[string]float64 {
	c := pt.clusters[cluster]
	if c == nil || c.services[service] == nil {
		return nil
	}
	s := c.services[service]
	tgOf := func(r *serviceRevision) string {
		if r == nil {
			return ""
		}
		if res := pt.resolvedLoadBalancers(r); len(res) > 0 {
			return res[0]["targetGroupArn"]
		}
		return ""
	}
	if len(s.deployments) == 0 || tgOf(s.deployments[0].rev) == "" {
		return nil
	}
	primary := s.deployments[0]
	out := map[string]float64{tgOf(primary.rev): 1}
	if sd := primary.sd; sd != nil && sd.native != nil && len(sd.sources) > 0 && sd.target == primary.rev {
		w := sd.native.prodWeight / 100
		out = map[string]float64{tgOf(sd.sources[0]): 1 - w}
		out[tgOf(sd.target)] += w
	}
	return out
}

// setLoadBalancers records a service's loadBalancers (CreateService's).
func (pt *Part) setLoadBalancers(s *service, lbs []LoadBalancer) {
	if len(lbs) == 0 {
		return
	}
	if pt.lbs == nil {
		pt.lbs = map[string][]LoadBalancer{}
	}
	pt.lbs[s.arn] = append([]LoadBalancer(nil), lbs...)
	pt.noteShares(s)
}

// parseLoadBalancers reads CreateService's loadBalancers member; what does
// not read is left out (the sim does not validate it further).
func parseLoadBalancers(raw json.RawMessage) []LoadBalancer {
	var lbs []LoadBalancer
	if len(raw) > 0 && json.Unmarshal(raw, &lbs) != nil {
		return nil
	}
	return lbs
}

// loadBalancersJSON is the service's loadBalancers as DescribeServices
// answers them ([] when none).
func (pt *Part) loadBalancersJSON(s *service) []any {
	out := []any{}
	for _, lb := range pt.lbs[s.arn] {
		out = append(out, lb)
	}
	return out
}

// Task is one task of a service, for the load balancer in front of it.
type Task struct {
	ID      string
	Running bool // false while it starts
}

// TasksIn lists the tasks of the ACTIVE service whose loadBalancers name
// the target group, running ones first in each deployment; ok is false
// when no service names it. The world's glue hands this to ELBv2.
func (pt *Part) TasksIn(targetGroupARN string) (tasks []Task, ok bool) {
	for _, cn := range pt.clOrder {
		c := pt.clusters[cn]
		for _, sn := range c.order {
			s := c.services[sn]
			if s.status != statusActive || !pt.registeredIn(s, targetGroupARN) {
				continue
			}
			for _, d := range s.deployments {
				for _, id := range d.running {
					tasks = append(tasks, Task{ID: id, Running: true})
				}
				if d.pending != "" {
					tasks = append(tasks, Task{ID: d.pending})
				}
			}
			return tasks, true
		}
	}
	return nil, false
}

func (pt *Part) registeredIn(s *service, tg string) bool {
	for _, lb := range pt.lbs[s.arn] {
		if lb.TargetGroupArn == tg {
			return true
		}
	}
	return false
}
