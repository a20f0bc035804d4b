package model

import "time"

// Step is one step of a CI job, for providers that report steps (GitHub
// Actions does; CircleCI's v2 API does not).
type Step struct {
	Number    int64     `json:"number"`
	Name      string    `json:"name"`
	Status    RunStatus `json:"status"`
	StartedAt time.Time `json:"started_at,omitzero"`
	StoppedAt time.Time `json:"stopped_at,omitzero"`
}
