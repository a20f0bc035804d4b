package model

import "time"

// Canary is a deploy that sends part of the production traffic to a new
// version and is judged on how that part fares against the rest. Every
// provider that runs one fills the same shape, so the board, the canary
// panel, the planner and `status --json` read one thing:
//
//   - an ECS native CANARY or LINEAR deployment (Source "ecs");
//   - an ALB listener stepped by flightdeck through the config's `canary:`
//     steps (Source "listener");
//   - an Elastic Beanstalk traffic-splitting deploy (Source "beanstalk").
type Canary struct {
	// Source says who moves the weights: "ecs", "listener" or "beanstalk".
	Source string `json:"source"`
	// Weight is the percent of production traffic the canary gets now.
	Weight int `json:"weight"`
	// Steps are the weights a promote walks through (a listener canary's
	// configured steps; a native deployment's increments); Step is the
	// index in Steps of the weight in force, -1 when Weight is none of them.
	Steps []int `json:"steps,omitempty"`
	Step  int   `json:"step"`
	// Stage is the provider's own word for where the deploy is
	// (TEST_TRAFFIC_SHIFT, BAKE_TIME, an evaluation…); "" when it has none.
	Stage string `json:"stage,omitempty"`
	// EndsAt is when the current stage (bake, evaluation) ends by itself;
	// zero when nothing ends it but an action.
	EndsAt time.Time `json:"ends_at,omitzero"`
	// Stable and Canary are the two sides, each with what it runs and what
	// its traffic looked like.
	Stable CanarySide `json:"stable"`
	Canary CanarySide `json:"canary"`
	// Verdict is the judgement of Canary against Stable.
	Verdict Verdict `json:"verdict"`
	// Blocked says why the canary may not be promoted now ("" when it
	// may); AbortBlocked why it may not be aborted. An abort sends the
	// traffic back to the stable side, so it is allowed where a promote is
	// not: a canary with no healthy targets is the case for it.
	Blocked      string `json:"blocked,omitempty"`
	AbortBlocked string `json:"abort_blocked,omitempty"`
	// MetricsError says why its traffic could not be read (the sides are
	// then no_data, and the verdict says why).
	MetricsError string `json:"metrics_error,omitempty"`
	// Alarms and CircuitBreaker are the platform's own watch on the deploy
	// where it keeps one (ECS native: "TRIGGERED: HighErrors",
	// "MONITORING (1 of 3 tasks failed)"); "" otherwise.
	Alarms         string `json:"alarms,omitempty"`
	CircuitBreaker string `json:"circuit_breaker,omitempty"`
}

// CanarySide is one side of a canary: its version and its traffic over
// the window the verdict is made on.
type CanarySide struct {
	Version Version `json:"version"`
	// Target names the side where the provider has a name for it (a target
	// group, an ECS service revision, a Beanstalk version label).
	Target string `json:"target,omitempty"`
	// Requests and Errors5xx are counts over the window; NoData says the
	// metrics source had no datapoints at all (not zero traffic: unknown).
	Requests  int64 `json:"requests"`
	Errors5xx int64 `json:"errors_5xx"`
	NoData    bool  `json:"no_data,omitempty"`
	// P99 is the side's p99 latency over the window, in seconds; 0 unknown.
	P99 float64 `json:"p99"`
	// Series are per-minute samples, oldest first, for the sparklines and
	// the latency test; a NaN is a minute with no datapoint.
	// (Series writes a NaN as null: JSON has no NaN.)
	RequestSeries Series `json:"request_series,omitempty"`
	ErrorSeries   Series `json:"error_series,omitempty"`
	LatencySeries Series `json:"latency_series,omitempty"`
}

// ErrorRate is the side's share of 5xx answers, 0..1; 0 with no requests.
func (s CanarySide) ErrorRate() float64 {
	if s.Requests <= 0 {
		return 0
	}
	return float64(s.Errors5xx) / float64(s.Requests)
}

// VerdictWord is the outcome of judging a canary. The strings are part of
// the `status --json` contract.
type VerdictWord string

const (
	// VerdictNoData: the metrics could not be read, or held no datapoints.
	// Never read as healthy.
	VerdictNoData VerdictWord = "no_data"
	// VerdictTooFew: fewer canary requests than the configured minimum.
	VerdictTooFew VerdictWord = "not_enough_data"
	// VerdictPass: no evidence the canary is worse than the stable side.
	VerdictPass VerdictWord = "pass"
	// VerdictWorse: the canary is worse (errors or latency), significantly.
	VerdictWorse VerdictWord = "worse"
)

// Verdict is a judgement with the numbers behind it.
type Verdict struct {
	Word VerdictWord `json:"word"`
	// Why is the sentence the screen shows ("canary 5xx 4.1 % (n=812) vs
	// stable 0.3 % (n=9 940): worse, p < 0.001").
	Why string `json:"why"`
	// ErrorP and LatencyP are the p-values of the tests that were run
	// (one-sided: canary worse); -1 when a test was not run.
	ErrorP   float64 `json:"error_p"`
	LatencyP float64 `json:"latency_p"`
}
