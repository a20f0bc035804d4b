package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// Poll fetches a source once with a timeout and packs the answer as the
// snapshot merges it. The dashboard and `status` both poll through here, so
// they see the same thing.
func Poll(ctx context.Context, src DeploySource, timeout time.Duration, now func() time.Time) model.FetchResult {
	c, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	envs, err := src.Fetch(c)
	if err != nil && errors.Is(c.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %s: %w", timeout, err)
	}
	return model.FetchResult{
		Source:    src.Name(),
		Kind:      src.Kind(),
		At:        now(),
		Envs:      envs,
		Covers:    src.Covers(),
		Err:       err,
		Throttled: errors.Is(err, ErrThrottled),
	}
}
