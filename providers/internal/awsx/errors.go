package awsx

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/airside-dev/flightdeck/providers"
)

var throttleCodes = map[string]bool{
	"ThrottlingException":       true,
	"Throttling":                true,
	"RequestLimitExceeded":      true,
	"TooManyRequestsException":  true,
	"RequestThrottled":          true,
	"RequestThrottledException": true,
	"SlowDown":                  true,
}

var authCodes = map[string]bool{
	"UnrecognizedClientException": true,
	"InvalidClientTokenId":        true,
	"InvalidSignatureException":   true,
	"SignatureDoesNotMatch":       true,
	"IncompleteSignature":         true,
	"MissingAuthenticationToken":  true,
	"AuthFailure":                 true,
}

// authError is a credentials failure, with a hint on how to fix it.
type authError struct {
	err  error
	hint string
}

func (e *authError) Error() string {
	if e.hint != "" {
		return fmt.Sprintf("%v (%s)", e.err, e.hint)
	}
	return e.err.Error()
}

func (e *authError) Unwrap() []error { return []error{providers.ErrAuth, e.err} }

// Classify maps an SDK error onto the sentinel errors of package providers.
// The result wraps err, so the SDK's own types stay reachable. now reads a
// Retry-After given as a date; notFound says which error codes of the
// backend's service mean that the thing asked about does not exist.
func Classify(err error, profile string, now time.Time, notFound func(code string) bool) error {
	if err == nil {
		return nil
	}
	code := ErrorCode(err)
	switch {
	case throttleCodes[code] || HTTPStatus(err) == http.StatusTooManyRequests:
		return &providers.ThrottledError{RetryAfter: retryAfter(err, now), Err: err}
	case ssoExpired(err):
		hint := "run `aws sso login`"
		if profile != "" {
			hint = fmt.Sprintf("run `aws sso login --profile %s`", profile)
		}
		return &authError{err: err, hint: hint}
	case authCodes[code] || strings.HasPrefix(code, "ExpiredToken") || strings.HasPrefix(code, "AccessDenied"):
		return &authError{err: err}
	case credentialsFailure(err):
		return &authError{err: err, hint: "no usable AWS credentials: check the profile, AWS_PROFILE or the AWS_* variables"}
	case notFound != nil && notFound(code):
		return fmt.Errorf("%w: %w", providers.ErrNotFound, err)
	case ClientFault(err):
		// The service answered and refused the request (a bad
		// parameter, a resource in the wrong state): it did not act.
		return fmt.Errorf("%w: %w", providers.ErrRejected, err)
	}
	return err
}

// ClientFault reports an answer that blames the request: a modelled client
// error, or any 4xx.
func ClientFault(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultClient {
		return true
	}
	st := HTTPStatus(err)
	return st >= 400 && st < 500
}

// ErrorCode is the AWS error code an error carries, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// HTTPStatus is the HTTP status of the answer that carried an error, or 0.
func HTTPStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) off the
// response that carried the error, if there was one.
func retryAfter(err error, now time.Time) time.Duration {
	var h http.Header
	var are *awshttp.ResponseError
	var sre *smithyhttp.ResponseError
	switch {
	case errors.As(err, &are) && are.ResponseError != nil && are.Response != nil && are.Response.Response != nil:
		h = are.Response.Header
	case errors.As(err, &sre) && sre.Response != nil && sre.Response.Response != nil:
		h = sre.Response.Header
	default:
		return 0
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func ssoExpired(err error) bool {
	var ite *ssocreds.InvalidTokenError
	if errors.As(err, &ite) {
		return true
	}
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "sso session has expired") ||
		strings.Contains(m, "cached sso token is expired") ||
		strings.Contains(m, "sso token") && strings.Contains(m, "expired")
}

// credentialsFailure recognises the SDK failing to find or refresh
// credentials before a request is even sent.
func credentialsFailure(err error) bool {
	m := err.Error()
	return strings.Contains(m, "get identity: ") ||
		strings.Contains(m, "failed to refresh cached credentials") ||
		strings.Contains(m, "failed to retrieve credentials") ||
		strings.Contains(m, "no valid credential sources")
}

// Unsupported recognises an endpoint that says it does not implement an
// operation: an "unknown operation" code or 404/405/501. (moto answers a
// bare 500 instead; that is only "no information" for one poll.)
func Unsupported(err error) bool {
	switch ErrorCode(err) {
	case "UnknownOperationException", "UnknownOperation", "InvalidAction", "NotImplemented",
		"NotImplementedException", "UnsupportedOperation", "UnsupportedOperationException":
		return true
	}
	switch HTTPStatus(err) {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return false
}

// NotImplemented recognises an endpoint that lacks an operation: one that
// says so (see Unsupported), or answers a bare HTTP 500 that is not an AWS
// error, as moto does for the operations it has not implemented.
func NotImplemented(err error) bool {
	if Unsupported(err) {
		return true
	}
	code := ErrorCode(err)
	return HTTPStatus(err) == 500 && (code == "" || code == "UnknownError")
}

// RequestID is the request id AWS gave a call: from its answer's metadata,
// or from its error when the service answered one.
func RequestID(md middleware.Metadata, err error) string {
	if err != nil {
		var re interface{ ServiceRequestID() string }
		if errors.As(err, &re) {
			return re.ServiceRequestID()
		}
		return ""
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	return id
}
