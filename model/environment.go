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
	// Unsupported says why no provider reads this environment yet. It is
	// not an error: nothing failed.
	Unsupported string `json:"unsupported,omitempty"`
}

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
