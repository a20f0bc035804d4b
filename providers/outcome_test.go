package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

func TestDefinite(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, true},
		{"a refusal", model.Refuse("no"), true},
		{"throttled", &ThrottledError{Err: errors.New("429")}, true},
		{"401", fmt.Errorf("approve: %w", StatusSentinel(401)), true},
		{"404", fmt.Errorf("approve: %w", StatusSentinel(404)), true},
		{"400", fmt.Errorf("approve: %w", StatusSentinel(400)), true},
		{"429", fmt.Errorf("approve: %w", StatusSentinel(429)), true},
		{"could not connect", dial, true},
		{"500 says nothing certain", fmt.Errorf("approve: 500 %w", errors.New("Internal server error")), false},
		{"connection reset after sending", reset, false},
		{"no answer in time", fmt.Errorf("UpdateService: %w", context.DeadlineExceeded), false},
		{"body cut short", io.ErrUnexpectedEOF, false},
	}
	for _, c := range cases {
		if got := Definite(c.err); got != c.want {
			t.Errorf("%s: Definite(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
