package ecs

import "encoding/json"

// LoadBalancer is one of a service's loadBalancers: the target group its
// tasks are registered in, by container and port (awsvpc tasks by IP).
type LoadBalancer struct {
	TargetGroupArn string `json:"targetGroupArn"`
	ContainerName  string `json:"containerName"`
	ContainerPort  int    `json:"containerPort"`
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
