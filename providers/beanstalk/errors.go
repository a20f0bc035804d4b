package beanstalk

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/smithy-go"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// Elastic Beanstalk names few errors: a missing application, environment
// or version is an InvalidParameterValue whose message says so ("No
// Environment found for EnvironmentName = 'x'."), refused permissions are
// InsufficientPrivilegesException.
var reMissing = regexp.MustCompile(`(?i)\bno (application|environment|application version)s?\b.*\bfound\b|\bnot found\b|\bdoes not exist\b`)

// classify maps an SDK error onto the sentinels of package providers; the
// result wraps err.
func (s *Source) classify(err error) error {
	if err == nil {
		return nil
	}
	code := awsx.ErrorCode(err)
	switch {
	case code == "InsufficientPrivilegesException":
		return fmt.Errorf("%w: %w", providers.ErrAuth, err)
	case code == "ResourceNotFoundException", code == "InvalidParameterValue" && reMissing.MatchString(apiMessage(err)):
		return fmt.Errorf("%w: %w", providers.ErrNotFound, err)
	}
	return awsx.Classify(err, s.profile, s.now(), nil)
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// notImplemented: see awsx.NotImplemented.
var notImplemented = awsx.NotImplemented
