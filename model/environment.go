package model

import "time"

// Target names the kind of platform an environment deploys to.
type Target string

const (
	TargetECS       Target = "ecs"
	TargetBeanstalk Target = "beanstalk"
)

// DeployState is the state of an environment as the board shows it. The
// strings are part of the `status --json` contract.
type DeployState string

const (
	StateSteady     DeployState = "steady"
	StateDeploying  DeployState = "deploying"
	StateFailed     DeployState = "failed"
	StateRolledBack DeployState = "rolled_back"
	StateUnknown    DeployState = "unknown"
)

// Moving reports whether the state is one that changes by itself soon, which
// is what makes polling go hot.
func (s DeployState) Moving() bool { return s == StateDeploying }

// Rollout is one deployment unit inside an environment: an ECS deployment
// (PRIMARY or ACTIVE) with the task counts it has reached.
type Rollout struct {
	ID      string    `json:"id"`
	Status  string    `json:"status"`        // PRIMARY, ACTIVE, INACTIVE
	State   string    `json:"rollout_state"` // IN_PROGRESS, COMPLETED, FAILED
	Reason  string    `json:"reason,omitempty"`
	Version Version   `json:"version"`
	Running int       `json:"running"`
	Desired int       `json:"desired"`
	Pending int       `json:"pending"`
	Failed  int       `json:"failed"`
	Created time.Time `json:"created_at"`
	Updated time.Time `json:"updated_at"`
}

// Deployment summarises a deploy in flight (or the one that just ended) as
// from-version → to-version with progress. It is part of the JSON contract.
type Deployment struct {
	FromSHA   string    `json:"from_sha"`
	ToSHA     string    `json:"to_sha"`
	Running   int       `json:"running"`
	Desired   int       `json:"desired"`
	StartedAt time.Time `json:"started_at"`
	// Reason is the provider's word on why a rollout failed or rolled back.
	Reason string `json:"reason,omitempty"`
	// Rollback says whether this deployment restores an older version after
	// a failure, and how that is going; "" for an ordinary deploy.
	Rollback RollbackPhase `json:"rollback,omitempty"`
	// Batch and Batches say which batch of a deploy that goes batch by
	// batch (Elastic Beanstalk's rolling policies) is underway: batch 2 of
	// 3. Zero when the deploy has no batches or the provider did not say.
	Batch   int `json:"batch,omitempty"`
	Batches int `json:"batches,omitempty"`
	// StoppedTasks are why the tasks of a failing or failed deploy
	// stopped, grouped, most tasks first (ECS: the deployment's stopped
	// tasks). StoppedError says why they could not be read, e.g. which
	// permission is missing; it is not the environment's error.
	StoppedTasks []StoppedGroup `json:"stopped_tasks,omitempty"`
	StoppedError string         `json:"stopped_tasks_error,omitempty"`
}

// RollbackPhase is how far a rollback (circuit breaker or requested) is.
type RollbackPhase string

const (
	RollbackInProgress RollbackPhase = "in_progress"
	RollbackDone       RollbackPhase = "done"
	RollbackFailed     RollbackPhase = "failed"
)

// Event is one line of an environment's recent history, newest first.
type Event struct {
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

// EnvStatus is what a deploy provider reports about one environment in one
// poll, plus what flightdeck knows about how fresh that report is.
type EnvStatus struct {
	Service     string      `json:"-"`
	Environment string      `json:"name"`
	Target      Target      `json:"target"`
	Version     Version     `json:"version"`
	State       DeployState `json:"state"`
	Deployment  *Deployment `json:"deployment"`
	// Since is when the running version became current (its rollout began).
	Since    time.Time `json:"since,omitzero"`
	Rollouts []Rollout `json:"rollouts,omitempty"`
	Events   []Event   `json:"events,omitempty"`
	// FetchedAt is when this data was last fetched successfully; zero if never.
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	Stale     bool      `json:"stale"`
	Error     string    `json:"error"`
	// ConsoleURL is the platform's web page for the environment (the AWS
	// console's service or environment page, in its region's partition);
	// "" when the provider has none.
	ConsoleURL string `json:"console_url,omitempty"`
	// Missing says the error is that what the config names (a service,
	// cluster, application, environment, listener, target group) does not
	// exist: a config mistake, not an outage; headless commands exit 2.
	Missing bool `json:"missing,omitempty"`
	// Unsupported says why no provider reads this environment yet. It is
	// not an error: nothing failed.
	Unsupported string `json:"unsupported,omitempty"`
	// Health is the platform's own verdict on the environment, where it
	// gives one (Elastic Beanstalk); nil otherwise.
	Health *Health `json:"health,omitempty"`
	// BlueGreen describes a blue/green pair: swapped by name (an Elastic
	// Beanstalk CNAME swap) or by a load balancer listener's weights (two
	// ECS services, one target group each). The rest of the status is the
	// live side's.
	BlueGreen *BlueGreen `json:"blue_green,omitempty"`
	// Canary is the canary in force, with its weights, both sides' traffic
	// and the verdict; nil when no canary runs.
	Canary *Canary `json:"canary,omitempty"`
	// Controller names who deploys the environment when it is not the
	// platform's own deployer flightdeck drives: "CODE_DEPLOY" or
	// "EXTERNAL" for an ECS service; "" otherwise.
	Controller string `json:"controller,omitempty"`
	// ReadOnly says why flightdeck shows this environment but may not
	// change it ("production is deployed by CodeDeploy; …"); "" when it
	// may. The planner refuses every deploy action here with this text.
	ReadOnly string `json:"read_only,omitempty"`
	// Gates are the deploy-side gates the environment's deploy waits at
	// (Gate.DeploySide); the snapshot lists them with the CI gates in
	// Approvals, so "Waiting for you" and approve/reject see both.
	Gates []Gate `json:"gates,omitempty"`
}

// Health is an environment's health as its platform reports it. With
// basic health only the colour is known; enhanced health adds a status,
// its causes, request counts and latencies over the last window, and how
// many instances are in each state.
type Health struct {
	// Color is Green, Yellow, Red or Grey (no data).
	Color string `json:"color"`
	// Status is the enhanced status: Ok, Info, Warning, Degraded, Severe,
	// Pending, NoData, Unknown or Suspended; "" with basic health.
	Status   string `json:"status,omitempty"`
	Enhanced bool   `json:"enhanced"`
	// Causes are the platform's words on why the status is not Ok.
	Causes    []string        `json:"causes,omitempty"`
	Requests  *Requests       `json:"requests,omitempty"`
	Instances *InstanceCounts `json:"instances,omitempty"`
	// RefreshedAt is when the platform computed this health.
	RefreshedAt time.Time `json:"refreshed_at,omitzero"`
}

// Bad reports health that must show on the board whatever the deploy
// state says: red, or an enhanced status of Severe.
func (h *Health) Bad() bool {
	return h != nil && (h.Color == "Red" || h.Status == "Severe")
}

// Requests are what an environment's load balancer saw over the last
// window: counts by status class and latency percentiles, in seconds.
type Requests struct {
	WindowSeconds int     `json:"window_seconds"`
	Count         int     `json:"count"`
	Status2xx     int     `json:"status_2xx"`
	Status3xx     int     `json:"status_3xx"`
	Status4xx     int     `json:"status_4xx"`
	Status5xx     int     `json:"status_5xx"`
	P50           float64 `json:"p50"`
	P90           float64 `json:"p90"`
	P99           float64 `json:"p99"`
}

// InstanceCounts is how many instances are in each health state.
type InstanceCounts struct {
	Ok       int `json:"ok"`
	Info     int `json:"info"`
	Warning  int `json:"warning"`
	Degraded int `json:"degraded"`
	Severe   int `json:"severe"`
	Pending  int `json:"pending"`
	Unknown  int `json:"unknown"`
	NoData   int `json:"no_data"`
}

// Total is the number of instances counted.
func (c InstanceCounts) Total() int {
	return c.Ok + c.Info + c.Warning + c.Degraded + c.Severe + c.Pending + c.Unknown + c.NoData
}

// BlueGreen is a pair of environments of which one holds the production
// traffic and the other stands by: for Elastic Beanstalk, the side holding
// the production CNAME; for ECS behind a load balancer, the service whose
// target group the listener (or rule) forwards to. A switch swaps them.
// The environment's status is the live side's; this says which side that
// is and what the standby looks like, which is what a switch's guard
// needs.
type BlueGreen struct {
	// Live is the provider's name of the side holding the production
	// traffic (a Beanstalk environment, an ECS service); Standby the
	// other's.
	Live    string `json:"live"`
	Standby string `json:"standby"`
	// CNAME is the production name Live holds (Beanstalk).
	CNAME string `json:"cname,omitempty"`
	// StandbyVersion, StandbyStatus (the provider's own word: Ready,
	// Updating…, or for ECS the state: steady, deploying…) and
	// StandbyHealth describe the standby.
	StandbyVersion Version `json:"standby_version"`
	StandbyStatus  string  `json:"standby_status"`
	StandbyHealth  *Health `json:"standby_health,omitempty"`
	// Blocked says why a switch may not go ahead now ("" when it may):
	// either side updating, or the standby not ready and healthy.
	Blocked string `json:"blocked,omitempty"`

	// A pair on a listener (added): the listener's or rule's ARN, which
	// colour ("blue", "green") each side is, the weights the listener
	// gives them, and their target groups' targets by health.
	Listener       string        `json:"listener,omitempty"`
	LiveColor      string        `json:"live_color,omitempty"`
	StandbyColor   string        `json:"standby_color,omitempty"`
	LiveWeight     int           `json:"live_weight,omitempty"`
	StandbyWeight  int           `json:"standby_weight,omitempty"`
	LiveTargets    *TargetCounts `json:"live_targets,omitempty"`
	StandbyTargets *TargetCounts `json:"standby_targets,omitempty"`
}

// TargetCounts are a load balancer target group's targets by health.
type TargetCounts struct {
	Healthy   int `json:"healthy"`
	Unhealthy int `json:"unhealthy"`
	Draining  int `json:"draining"`
	Initial   int `json:"initial"`
	// Other is targets in a state not counted above (unused, unknown).
	Other int `json:"other,omitempty"`
}

// Total is every target counted.
func (c TargetCounts) Total() int { return c.Healthy + c.Unhealthy + c.Draining + c.Initial + c.Other }

// EnvKey names one environment of one service.
type EnvKey struct {
	Service     string
	Environment string
}

func (s EnvStatus) Key() EnvKey { return EnvKey{s.Service, s.Environment} }

// Progress is running/desired of the deploy in flight, for a progress bar.
// ok is false when nothing is rolling.
func (s EnvStatus) Progress() (running, desired int, ok bool) {
	if s.State != StateDeploying || s.Deployment == nil || s.Deployment.Desired == 0 {
		return 0, 0, false
	}
	return s.Deployment.Running, s.Deployment.Desired, true
}
