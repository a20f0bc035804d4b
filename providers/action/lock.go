package action

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// lockWait is how long an action waits for another flightdeck on this
// machine to finish acting on the same target. An action takes seconds;
// one still holding the lock after this is stuck, and the user is told.
const lockWait = 45 * time.Second

// lockTarget names what an action changes, for its lock: an environment,
// or a service's CI (a gate or a workflow).
func lockTarget(a model.Action) string {
	if a.Kind.CI() {
		return "ci\x00" + a.Service
	}
	return "env\x00" + a.Service + "\x00" + a.Environment
}

// targetFile is a file of the target's beside its lock, by suffix.
func (p *Pipeline) targetFile(a model.Action, suffix string) string {
	sum := sha256.Sum256([]byte(lockTarget(a)))
	return filepath.Join(p.o.LockDir, hex.EncodeToString(sum[:8])+suffix)
}

// lock takes the target's lock, shared by every flightdeck process of this
// user: two rollbacks of one environment run one after the other, and the
// second's re-check then sees what the first did. A dry run changes
// nothing and takes no lock.
func (p *Pipeline) lock(ctx context.Context, a model.Action) (func(), error) {
	if p.o.LockDir == "" || p.o.DryRun {
		return func() {}, nil
	}
	if err := os.MkdirAll(p.o.LockDir, 0o700); err != nil {
		return nil, fmt.Errorf("lock for %s: %w", where(a), err)
	}
	f, err := os.OpenFile(p.targetFile(a, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock for %s: %w", where(a), err)
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock for %s: %w", where(a), err)
		}
		if ok {
			return func() { _ = unlock(f); f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, model.Refuse("another flightdeck on this machine has been acting on %s for over %s; try again once it is done", where(a), lockWait)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
