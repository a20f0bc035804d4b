package beanstalk

import (
	"encoding/xml"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// DescribeInstancesHealth: each instance of an environment with enhanced
// health, the application version its deployment carries, and its own
// traffic over the last ten seconds. During a traffic-splitting deploy the
// new instances serve canaryPercent of the requests (a bad version's with
// 5xx); the old ones serve the rest.

// instance is one instance as the answer tells it.
type instance struct {
	id, label            string
	launched, deployedAt time.Time
	deployID             int
	deployStatus         string  // Deployed, In Progress, Failed
	share                float64 // of the environment's requests
	bad                  bool    // answers 5xx (a bad canary's instance)
	health, color        string
	causes               []string
}

// instances lists e's instances now: the old ones, and those an update in
// flight has deployed or launched. The loop is held.
func (pt *Part) instances(e *environment, now time.Time) []instance {
	u := e.upd
	var out []instance
	for i, id := range e.instanceIDs {
		in := instance{id: id, label: e.label, launched: e.launchedAt, deployedAt: e.deployedAt, deployID: e.deployID,
			deployStatus: "Deployed", health: e.health, color: e.color, causes: e.causes}
		if u != nil {
			in.label, in.deployID, in.deployedAt = u.from, u.prevDeployID, u.prevDeployedAt
			if b := batchOf(u, i); b >= 0 && b < u.done {
				in.label, in.deployID, in.deployedAt = u.to, u.deployID, u.doneAt[b]
			} else if b == u.done && u.canaryIDs == nil && e.status == StatusUpdating && !u.failed {
				in.deployStatus = "In Progress"
			}
			if u.canaryIDs != nil {
				// The old side of a canary is healthy; the environment's
				// health is the new instances'.
				in.health, in.color, in.causes = HealthOk, ColorGreen, nil
			}
		}
		out = append(out, in)
	}
	if u == nil || u.canaryIDs == nil || e.status != StatusUpdating || u.failed {
		spread(out, 1)
		return out
	}
	split := !u.splitAt.IsZero()
	for _, id := range u.canaryIDs {
		in := instance{id: id, label: u.to, launched: u.canaryAt, deployedAt: u.splitAt, deployID: u.deployID,
			deployStatus: "Deployed", health: e.health, color: e.color, causes: e.causes, bad: split && pt.bad[e.app+"\x00"+u.to]}
		if !split {
			in.deployStatus, in.health, in.color, in.causes, in.deployedAt = "In Progress", "Pending", "Grey", nil, time.Time{}
		}
		out = append(out, in)
	}
	old, canary := out[:len(e.instanceIDs)], out[len(e.instanceIDs):]
	if !split {
		spread(old, 1)
		return out
	}
	spread(old, 1-canaryPercent/100.0)
	spread(canary, canaryPercent/100.0)
	return out
}

// spread gives the instances equal parts of share of the traffic.
func spread(ins []instance, share float64) {
	for i := range ins {
		ins[i].share = share / float64(len(ins))
	}
}

// batchOf is the rolling batch instance i of the environment is in, or -1.
func batchOf(u *update, i int) int {
	for b, n := 0, 0; b < len(u.batches); b++ {
		n += len(u.batches[b])
		if i < n {
			return b
		}
	}
	return -1
}

// --- the wire ---

type cpuXML struct {
	User       float64 `xml:"User"`
	Nice       float64 `xml:"Nice"`
	System     float64 `xml:"System"`
	Idle       float64 `xml:"Idle"`
	IOWait     float64 `xml:"IOWait"`
	IRQ        float64 `xml:"IRQ"`
	SoftIRQ    float64 `xml:"SoftIRQ"`
	Privileged float64 `xml:"Privileged"`
}

type systemXML struct {
	CPUUtilization cpuXML    `xml:"CPUUtilization"`
	LoadAverage    []float64 `xml:"LoadAverage>member"`
}

type deploymentXML struct {
	VersionLabel   string `xml:"VersionLabel"`
	DeploymentID   int    `xml:"DeploymentId"`
	Status         string `xml:"Status"`
	DeploymentTime string `xml:"DeploymentTime,omitempty"`
}

type instanceHealthXML struct {
	InstanceID         string         `xml:"InstanceId"`
	HealthStatus       string         `xml:"HealthStatus,omitempty"`
	Color              string         `xml:"Color,omitempty"`
	Causes             []string       `xml:"Causes>member"`
	LaunchedAt         string         `xml:"LaunchedAt,omitempty"`
	ApplicationMetrics *metricsXML    `xml:"ApplicationMetrics,omitempty"`
	System             *systemXML     `xml:"System,omitempty"`
	Deployment         *deploymentXML `xml:"Deployment,omitempty"`
	AvailabilityZone   string         `xml:"AvailabilityZone,omitempty"`
	InstanceType       string         `xml:"InstanceType,omitempty"`
}

type instancesHealthResult struct {
	XMLName            xml.Name            `xml:"DescribeInstancesHealthResult"`
	InstanceHealthList []instanceHealthXML `xml:"InstanceHealthList>member"`
	RefreshedAt        string              `xml:"RefreshedAt,omitempty"`
	NextToken          string              `xml:"NextToken,omitempty"`
}

// instanceAttributes are DescribeInstancesHealth's AttributeNames values.
var instanceAttributes = []string{"HealthStatus", "Color", "Causes", "ApplicationMetrics", "RefreshedAt",
	"LaunchedAt", "System", "Deployment", "AvailabilityZone", "InstanceType", "All"}

// instancesPage is how many instances one answer lists.
const instancesPage = 100

func (pt *Part) describeInstancesHealth(f form) (any, *awsproto.Error) {
	e, err := pt.findEnv(f)
	if err != nil {
		return nil, err
	}
	if e.health == "" {
		return nil, awsproto.NewError(400, "InvalidRequestException",
			"Enhanced health reporting is not enabled for environment "+e.name+".")
	}
	want := map[string]bool{}
	for _, a := range f.list("AttributeNames") {
		if !slices.Contains(instanceAttributes, a) {
			return nil, errInvalid("1 validation error detected: Value '[" + awsproto.Clip(a) + "]' at 'attributeNames' failed to satisfy constraint: Member must satisfy enum value set: [HealthStatus, Color, Causes, ApplicationMetrics, RefreshedAt, LaunchedAt, System, Deployment, AvailabilityZone, InstanceType, All]")
		}
		want[a] = true
	}
	// Without AttributeNames, the answer carries the instances' ids and
	// health status only.
	asked := func(a string) bool { return want["All"] || want[a] || len(want) == 0 && a == "HealthStatus" }
	now := pt.loop.Now()
	refreshed := now.Truncate(10 * time.Second)
	all := pt.instances(e, now)
	from, to, perr := page(f, len(all), instancesPage)
	if perr != nil {
		return nil, perr
	}
	out := instancesHealthResult{InstanceHealthList: []instanceHealthXML{}, NextToken: nextToken(to, len(all))}
	if asked("RefreshedAt") {
		out.RefreshedAt = isoTime(refreshed)
	}
	for i, in := range all[from:to] {
		x := instanceHealthXML{InstanceID: in.id}
		if asked("HealthStatus") {
			x.HealthStatus = in.health
		}
		if asked("Color") {
			x.Color = in.color
		}
		if asked("Causes") {
			x.Causes = slices.Clone(in.causes)
		}
		if asked("LaunchedAt") {
			x.LaunchedAt = isoTime(in.launched)
		}
		if asked("ApplicationMetrics") {
			x.ApplicationMetrics = pt.instanceMetrics(e, in, refreshed)
		}
		if asked("System") {
			x.System = instanceSystem(in, refreshed)
		}
		if asked("Deployment") {
			d := &deploymentXML{VersionLabel: in.label, DeploymentID: in.deployID, Status: in.deployStatus}
			if !in.deployedAt.IsZero() {
				d.DeploymentTime = isoTime(in.deployedAt)
			}
			x.Deployment = d
		}
		if asked("AvailabilityZone") {
			x.AvailabilityZone = pt.region + string(rune('a'+(from+i)%3))
		}
		if asked("InstanceType") {
			x.InstanceType = "t3.small"
		}
		out.InstanceHealthList = append(out.InstanceHealthList, x)
	}
	return out, nil
}

// instanceMetrics is one instance's traffic over the ten seconds before
// refreshed: its share of the environment's requests, a pure function of
// the instance and the time. A bad canary answers 38 % of them with 5xx.
func (pt *Part) instanceMetrics(e *environment, in instance, refreshed time.Time) *metricsXML {
	m := &metricsXML{Duration: 10}
	mean := float64(e.rps*10) * in.share
	if e.requestsOffline || mean <= 0 {
		return m
	}
	h := ids.Hash(in.id, isoTime(refreshed))
	spread := max(1, int(mean/5))
	m.RequestCount = max(0, int(mean)+int(h%uint32(2*spread+1))-spread)
	bad5xx := 0
	if in.bad {
		bad5xx = m.RequestCount * 382 / 1000
	}
	m.StatusCodes = statusCodesXML{Status5xx: bad5xx, Status4xx: m.RequestCount / 50, Status3xx: m.RequestCount / 20}
	m.StatusCodes.Status2xx = max(0, m.RequestCount-m.StatusCodes.Status3xx-m.StatusCodes.Status4xx-bad5xx)
	base := 0.020 + float64(h%15)/1000
	if in.bad {
		base *= 8
	}
	m.Latency = latencyXML{P10: round3(base * 0.4), P50: round3(base), P75: round3(base * 1.6), P85: round3(base * 2.1),
		P90: round3(base * 2.6), P95: round3(base * 3.4), P99: round3(base * 6), P999: round3(base * 11)}
	return m
}

// instanceSystem is an instance's CPU (percent of the last ten seconds)
// and load averages, steady and busier with more traffic.
func instanceSystem(in instance, refreshed time.Time) *systemXML {
	busy := 5 + 40*in.share + float64(ids.Hash(in.id, "cpu", isoTime(refreshed))%50)/10
	return &systemXML{
		CPUUtilization: cpuXML{User: round1(busy * 0.7), System: round1(busy * 0.2), IOWait: round1(busy * 0.1), Idle: round1(100 - busy)},
		LoadAverage:    []float64{round3(busy / 50), round3(busy / 60), round3(busy / 70)},
	}
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
