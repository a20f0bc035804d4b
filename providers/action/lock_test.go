package action

import (
	"context"
	"testing"

	"github.com/airside-dev/flightdeck/providers/audit"

	"github.com/airside-dev/flightdeck/model"
)

// TestLockSerialisesGoroutines: `flightdeck serve` runs every session's
// actions in one process, so the per-target lock must hold between
// goroutines too, not only between processes. flock(2) locks an open
// file description, and each lock call opens the file anew, so a second
// caller in the same process is refused while the first holds it.
func TestLockSerialisesGoroutines(t *testing.T) {
	dir := t.TempDir()
	ana := New(Options{LockDir: dir, User: "ana"})
	li := New(Options{LockDir: dir, User: "li"})
	a := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "production"}
	unlock, err := ana.lock(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	// A context already done: the second caller tries once and gives up.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	got := make(chan error)
	go func() {
		u, err := li.lock(done, a)
		if err == nil {
			u()
		}
		got <- err
	}()
	if err := <-got; !model.IsRefusal(err) {
		t.Fatalf("second lock on the same environment from this process: %v, want a refusal", err)
	}
	other := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "staging"}
	u2, err := li.lock(done, other)
	if err != nil {
		t.Fatalf("another environment must not wait: %v", err)
	}
	u2()
	unlock()
	u3, err := li.lock(done, a)
	if err != nil {
		t.Fatalf("after the first unlocked, the lock must be free: %v", err)
	}
	u3()
}

// TestPermitIsAGuard: a team member who may not act sees the reason where
// every other guard's shows (Check, so the key is disabled with it), and
// Run refuses too; the record names the member and their key, and Observe
// hears every record written.
func TestPermitIsAGuard(t *testing.T) {
	p, s, path := setup(t, false)
	var heard []string
	p.o.User, p.o.Key = "li", "SHA256:abc"
	p.o.Permit = func(model.Action) error { return model.Refuse("li is a viewer") }
	p.o.Observe = func(r audit.Record) { heard = append(heard, r.User+" "+r.Result) }
	if err := p.Guard(rollback(), s.live); err == nil || err.Error() != "li is a viewer" {
		t.Fatalf("guard: %v", err)
	}
	if why := p.available(rollback(), s.live); why != "li is a viewer" {
		t.Fatalf("available: %q", why)
	}
	if _, err := p.Run(context.Background(), rollback()); !model.IsRefusal(err) || len(s.executed) != 0 {
		t.Fatalf("run: %v, executed %v", err, s.executed)
	}
	recs := lines(t, path)
	if len(recs) != 2 || recs[0].User != "li" || recs[0].Key != "SHA256:abc" || recs[1].Result != audit.ResultRefused {
		t.Fatalf("audit: %+v", recs)
	}
	if len(heard) != 2 || heard[0] != "li refused" {
		t.Fatalf("observed: %v", heard)
	}
}
