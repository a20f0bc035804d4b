package providers

import (
	"errors"
	"net"

	"github.com/airside-dev/flightdeck/model"
)

// Definite reports whether a failed mutating call's error proves that the
// service did not act: it answered no (throttled, not authorised, not
// found, rejected), the call was refused before it was sent (a guard, a
// token for another host), or it could not even connect. Anything else
// (a connection dropped after sending, a timeout waiting for the answer,
// a 5xx) leaves the outcome unknown: the service may have acted, and only
// reading it again can tell.
func Definite(err error) bool {
	if err == nil || model.IsRefusal(err) {
		return true
	}
	for _, s := range []error{ErrThrottled, ErrAuth, ErrNotFound, ErrRejected} {
		if errors.Is(err, s) {
			return true
		}
	}
	// A dial that failed never reached the server.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	// A timeout or a cancel cannot say whether the request had left.
	return false
}
