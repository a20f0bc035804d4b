package ecs

import (
	"errors"
	"time"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

var notFoundCodes = map[string]bool{
	"ClusterNotFoundException":           true,
	"ServiceNotFoundException":           true,
	"ServiceNotActiveException":          true,
	"ServiceDeploymentNotFoundException": true,
}

// callError marks an error as a failure of an API call (transport,
// throttling, credentials, server) rather than an answer about one
// environment, so a poll where every call failed fails the whole source.
type callError struct{ error }

func (e callError) Unwrap() error { return e.error }

// sourceLevel reports whether a failed call says something about the whole
// source rather than one environment: throttling, credentials, the
// transport (no answer, a dropped connection, a body that is not ECS's),
// or a server error. A ClientException or a missing cluster is about the
// environment that asked.
func sourceLevel(err error) bool {
	var c callError
	if !errors.As(err, &c) || errors.Is(err, providers.ErrNotFound) {
		return false
	}
	if errors.Is(err, providers.ErrThrottled) || errors.Is(err, providers.ErrAuth) {
		return true
	}
	return errorCode(err) == "" || httpStatus(err) >= 500
}

// classify maps an SDK error onto the sentinels, ECS's not-found codes
// included (see awsx.Classify).
func classify(err error, profile string, now time.Time) error {
	return awsx.Classify(err, profile, now, func(code string) bool { return notFoundCodes[code] })
}

var (
	errorCode      = awsx.ErrorCode
	httpStatus     = awsx.HTTPStatus
	unsupported    = awsx.Unsupported
	notImplemented = awsx.NotImplemented
)
