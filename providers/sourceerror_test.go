package providers

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSourceError(t *testing.T) {
	own := errors.New("one service's own")
	ownService := func(err error) bool { return errors.Is(err, own) }
	forbidden := fmt.Errorf("403 on one project: %w: %w", ErrAuth, own)
	refused := fmt.Errorf("401: %w", ErrAuth)
	down := errors.New("502")
	slow := &ThrottledError{RetryAfter: time.Second, Err: errors.New("slow down")}
	slower := &ThrottledError{RetryAfter: time.Minute, Err: errors.New("slow down more")}
	for _, c := range []struct {
		name  string
		fails []error
		read  int
		want  error // nil, or what it must wrap
	}{
		{"nothing failed", nil, 3, nil},
		{"one service's own", []error{own}, 2, nil},
		{"own everywhere", []error{own, own}, 0, nil},
		{"a 403 about one service", []error{forbidden}, 2, nil},
		{"refused everywhere, own", []error{forbidden, forbidden}, 0, ErrAuth},
		{"a refused credential", []error{refused}, 2, ErrAuth},
		{"throttled anywhere", []error{down, slow, slower}, 1, ErrThrottled},
		{"a source failure beside reads", []error{down}, 2, nil},
		{"a source failure, nothing read", []error{down, own}, 0, down},
	} {
		got := SourceError(c.fails, c.read, ownService)
		if (got == nil) != (c.want == nil) || c.want != nil && !errors.Is(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		if d, ok := RetryAfter(got); ok && d != time.Minute {
			t.Errorf("%s: waits %s, want the longest asked for", c.name, d)
		}
	}
}
