package beanstalk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The platform every simulated environment runs.
const (
	solutionStack = "64bit Amazon Linux 2023 v4.3.0 running Docker"
	platformArn   = "arn:aws:elasticbeanstalk:%s::platform/Docker running on 64bit Amazon Linux 2023/4.3.0"
)

// Environment statuses, health colours and enhanced health statuses as
// Beanstalk spells them.
const (
	StatusLaunching = "Launching"
	StatusUpdating  = "Updating"
	StatusReady     = "Ready"
	StatusAborting  = "Aborting"

	ColorGreen  = "Green"
	ColorYellow = "Yellow"
	ColorRed    = "Red"

	HealthOk       = "Ok"
	HealthWarning  = "Warning"
	HealthDegraded = "Degraded"
	HealthSevere   = "Severe"

	// Deployment policies (aws:elasticbeanstalk:command DeploymentPolicy).
	PolicyRolling          = "Rolling"
	PolicyTrafficSplitting = "TrafficSplitting"
)

type application struct {
	name     string
	created  time.Time
	versions []*appVersion // oldest first
}

type appVersion struct {
	app, label, description string
	bucket, key             string
	status                  string // Processed, Failed, …
	created                 time.Time
}

type environment struct {
	id, name, app   string
	label           string
	cname           string
	status          string
	color, health   string // basic colour; enhanced status
	instances       int
	abortable       bool
	created         time.Time
	updated         time.Time
	events          []event // oldest first
	rps             int     // requests a second the environment serves when live
	causes          []string
	terminated      bool
	instanceIDs     []string
	deployPolicy    string
	requestsOffline bool // the standby of a pair serves nothing
	upd             *update
	gen             int // bumped by each update and abort: stale steps lapse
	// deployID numbers the deployments the instances carry (each update
	// takes the next); deployedAt is when the instances took the current
	// one, launchedAt when they were launched.
	deployID               int
	deployedAt, launchedAt time.Time
}

type event struct {
	at                   time.Time
	app, env, label, msg string
	severity, requestID  string
}

// severities, lowest first: DescribeEvents' Severity is a floor.
var severities = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// AddApplication creates an application (again: nothing).
func (pt *Part) AddApplication(name string) {
	if pt.apps[name] == nil {
		pt.apps[name] = &application{name: name, created: pt.loop.Now()}
	}
}

// AddVersion registers an application version built at the given time
// from the source bundle s3://bucket/key; Processed.
func (pt *Part) AddVersion(app, label, description, bucket, key string, at time.Time) {
	pt.AddApplication(app)
	a := pt.apps[app]
	if slices.ContainsFunc(a.versions, func(v *appVersion) bool { return v.label == label }) {
		return
	}
	a.versions = append(a.versions, &appVersion{app: app, label: label, description: description,
		bucket: bucket, key: key, status: "Processed", created: at})
}

// EnvSpec is an environment the scenario launches.
type EnvSpec struct {
	App, Name  string
	CNAME      string // the CNAME prefix, as CreateEnvironment's CNAMEPrefix
	Label      string // the version it launches with
	Instances  int
	RPS        int  // requests a second it serves
	Standby    bool // serves no traffic (the idle side of a blue/green pair)
	At         time.Time
	Policy     string // DeploymentPolicy: Rolling (default), TrafficSplitting, …
	Unenhanced bool   // basic health only
}

// AddEnvironment launches an environment at s.At, Ready and Green after
// its launch events, and returns its id.
func (pt *Part) AddEnvironment(s EnvSpec) string {
	e := pt.newEnvironment(s)
	for _, st := range pt.launchSteps(e) {
		pt.note(e, s.At.Add(st.after), "INFO", ids.NameUUID("launch", e.id), st.msg)
	}
	return e.id
}

// newEnvironment adds an environment, Ready from s.At+launchTime.
func (pt *Part) newEnvironment(s EnvSpec) *environment {
	pt.AddApplication(s.App)
	id := fmt.Sprintf("e-%s", strings.ToLower(ids.NameUUID("beanstalk", s.App, s.Name)[:10]))
	e := &environment{id: id, name: s.Name, app: s.App, label: s.Label, status: StatusReady,
		color: ColorGreen, health: HealthOk, instances: max(1, s.Instances), created: s.At, updated: s.At.Add(launchTime),
		cname: s.CNAME + "." + pt.region + ".elasticbeanstalk.com", rps: s.RPS, requestsOffline: s.Standby,
		deployPolicy: s.Policy, deployID: 1, deployedAt: s.At.Add(launchTime), launchedAt: s.At.Add(3 * time.Minute)}
	if e.deployPolicy == "" {
		e.deployPolicy = PolicyRolling
	}
	if s.Unenhanced {
		e.health = ""
	}
	for i := range e.instances {
		e.instanceIDs = append(e.instanceIDs, "i-0"+fmt.Sprintf("%016x", ids.Hash(id, fmt.Sprint(i)))[:16])
	}
	pt.envs = append(pt.envs, e)
	return e
}

// launchTime is how long an environment takes to launch.
const launchTime = 6 * time.Minute

type launchStep struct {
	after time.Duration
	msg   string
}

// launchSteps are the events of e's launch, by their time after it began.
func (pt *Part) launchSteps(e *environment) []launchStep {
	return []launchStep{
		{0, "createEnvironment is starting."},
		{20 * time.Second, "Using elasticbeanstalk-" + pt.region + "-" + pt.account + " as Amazon S3 storage bucket for environment data."},
		{3 * time.Minute, fmt.Sprintf("Created EC2 instance(s): [%s].", strings.Join(e.instanceIDs, ", "))},
		{launchTime, "Successfully launched environment: " + e.name},
	}
}

// Deployed records a rolling deploy of label to the environment that
// completed between at and its end, in batches, as Beanstalk's events
// tell it: for the scenario's history.
func (pt *Part) Deployed(env, label string, at time.Time) {
	e := pt.env(env)
	if e == nil {
		return
	}
	rid := ids.NameUUID("deploy", e.id, label, isoTime(at))
	t := at
	step := func(d time.Duration, msg string) {
		t = t.Add(d)
		pt.note(e, t, "INFO", rid, msg)
	}
	e.label = label
	pt.note(e, t, "INFO", rid, "Environment update is starting.")
	if e.deployPolicy == PolicyTrafficSplitting {
		step(3*time.Second, fmt.Sprintf("Starting traffic-splitting deployment: launching %d new instance(s) running %s.", max(1, e.instances/2), label))
		step(30*time.Second, fmt.Sprintf("Sending %d percent of incoming client traffic to the new instance(s) for a %d-minute evaluation.",
			canaryPercent, int(canaryEvaluation/time.Minute)))
		step(canaryEvaluation, "Shifting all incoming client traffic to the new instance(s).")
	} else {
		batches := batchesOf(e.instanceIDs)
		step(5*time.Second, fmt.Sprintf("Deploying new version to instance(s) in %d batches.", len(batches)))
		for i, b := range batches {
			step(10*time.Second, fmt.Sprintf("Batch %d: Starting application deployment on instance(s) [%s].", i+1, strings.Join(b, ", ")))
			step(40*time.Second, fmt.Sprintf("Batch %d: Completed application deployment.", i+1))
		}
	}
	step(5*time.Second, "New application version was deployed to running EC2 instances.")
	step(2*time.Second, "Environment update completed successfully.")
	e.updated, e.deployedAt = t, t
	e.deployID++
}

// SetHealth sets an environment's colour, enhanced status and causes.
func (pt *Part) SetHealth(env, color, status string, causes ...string) {
	if e := pt.env(env); e != nil {
		e.color, e.causes = color, causes
		if e.health != "" {
			e.health = status
		}
	}
}

// batchesOf splits instances into rolling batches of about a third each
// (Beanstalk's "Percentage 30" default rounds up).
func batchesOf(ins []string) [][]string {
	size := max(1, (len(ins)*30+99)/100)
	var out [][]string
	for i := 0; i < len(ins); i += size {
		out = append(out, ins[i:min(len(ins), i+size)])
	}
	return out
}

func (pt *Part) note(e *environment, at time.Time, sev, rid, msg string) {
	e.events = append(e.events, event{at: at, app: e.app, env: e.name, label: e.label, msg: msg, severity: sev, requestID: rid})
}

// env finds a live environment by name.
func (pt *Part) env(name string) *environment {
	for _, e := range pt.envs {
		if e.name == name && !e.terminated {
			return e
		}
	}
	return nil
}

// envByID finds one by id.
func (pt *Part) envByID(id string) *environment {
	for _, e := range pt.envs {
		if e.id == id {
			return e
		}
	}
	return nil
}

// CNAME is the CNAME an environment holds ("" when there is none).
func (pt *Part) CNAME(env string) string {
	if e := pt.env(env); e != nil {
		return e.cname
	}
	return ""
}

// Label is the version label an environment runs.
func (pt *Part) Label(env string) string {
	if e := pt.env(env); e != nil {
		return e.label
	}
	return ""
}
