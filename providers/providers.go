// Package providers defines the small interfaces flightdeck's screens and
// commands use to reach the outside world, and the errors every backend maps
// its failures to. Each backend lives in its own sub-package (ecs, …) and is
// wired up only in main.go and tests.
package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"flightdeck/model"
)

// DeploySource reads the state of a group of environments in one poll: for
// ECS, every environment reached through one AWS account, region and endpoint.
// The UI never runs two Fetch calls of one source at once.
type DeploySource interface {
	// Name identifies the source on screen and in logs ("aws eu-west-1").
	Name() string
	// Kind groups sources for the header's health summary ("aws").
	Kind() string
	// Covers lists the environments this source reports on.
	Covers() []model.EnvKey
	// Fetch polls every environment once. A per-environment failure is
	// written on that environment's EnvStatus.Error; a returned error means
	// the whole source failed and no environment was read.
	Fetch(ctx context.Context) ([]model.EnvStatus, error)
}

// Sentinel errors every backend maps its failures to, so the UI and the
// commands can react (back off, tell the user to log in) without knowing
// the backend.
var (
	ErrThrottled = errors.New("throttled")
	ErrAuth      = errors.New("not authorised")
	ErrNotFound  = errors.New("not found")
)

// ThrottledError carries how long the backend asked us to wait, when it said.
type ThrottledError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *ThrottledError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("throttled, retry after %s: %v", e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("throttled: %v", e.Err)
}

func (e *ThrottledError) Unwrap() []error { return []error{ErrThrottled, e.Err} }

// RetryAfter returns the wait a throttled error asks for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var t *ThrottledError
	if errors.As(err, &t) {
		return t.RetryAfter, true
	}
	return 0, errors.Is(err, ErrThrottled)
}
