package sim

import "github.com/airside-dev/flightdeck/sim/cloudwatch"

// SetCloudWatchTraffic makes CloudWatch publish the ALB metrics of each
// target group (ARN → the ARN of the load balancer it is behind), drawn
// from src (see cloudwatch.WeightedTraffic); nil publishes none.
func (w *World) SetCloudWatchTraffic(src cloudwatch.Traffic, targetGroups map[string]string) {
	w.loop.Lock()
	defer w.loop.Unlock()
	w.cloudwatch.SetTraffic(src)
	for tg, lb := range targetGroups {
		w.cloudwatch.Publish(lb, tg)
	}
}
