package commands

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// --wait says on stderr what it waits for while it waits: the deploy's
// state and tasks, one line per change; stdout keeps the result. The
// world moves on its own meanwhile (a goroutine steps it), as a real one
// would; the test asserts the lines, never how long anything took.
func TestWaitPrintsProgress(t *testing.T) {
	aw := newActionWorld(t)
	if !aw.until(func() bool {
		return aw.env("web", "production")["state"] == "steady" && aw.env("web", "staging")["state"] == "steady"
	}) {
		t.Fatal("web never came to rest")
	}
	staging := sha(aw.env("web", "staging"))
	if model.SameCommit(staging, sha(aw.env("web", "production"))) {
		t.Fatal("seed 7 should leave web's staging ahead of production")
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		// The world holds still until the promotion is sent (its audit
		// record is written), so the re-check finds what was planned.
		sent := false
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if !sent {
				recs, _, _ := audit.Read(aw.audit)
				sent = len(recs) > 0
				continue
			}
			aw.step(3 * time.Second)
		}
	})
	code, out, stderr := aw.run("promote", "web", "--from", "staging", "--yes", "--wait", "--timeout", "2m")
	close(done)
	wg.Wait()
	if code != exitOK {
		t.Fatalf("promote --wait: exit %d\n%s\n%s", code, stderr, out)
	}
	if !strings.Contains(stderr, "waiting 0s: web/production: deploying, ") || !strings.Contains(stderr, " tasks") {
		t.Errorf("stderr should follow the deploy from its first read, with its tasks:\n%s", stderr)
	}
	if !strings.Contains(out, "web/production now runs ") {
		t.Errorf("stdout says where it landed:\n%s", out)
	}
	var changes int
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "waiting ") {
			changes++
		}
	}
	if changes < 1 {
		t.Errorf("at least one progress line:\n%s", stderr)
	}
}

// A line per change, a heartbeat with the time waited when nothing
// changes for ten seconds, nothing in between.
func TestWaitProgressHeartbeat(t *testing.T) {
	clk := fakeclock.New(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	var b bytes.Buffer
	p := &waitProgress{w: &b, what: "api/production", now: clk.Now, start: clk.Now()}
	p.show("deploying, 1c0ffee → 7d3e2a1, 0/4 tasks")
	clk.Advance(2 * time.Second)
	p.show("deploying, 1c0ffee → 7d3e2a1, 0/4 tasks")
	clk.Advance(2 * time.Second)
	p.show("deploying, 1c0ffee → 7d3e2a1, 2/4 tasks")
	for range 5 {
		clk.Advance(2 * time.Second)
		p.show("deploying, 1c0ffee → 7d3e2a1, 2/4 tasks")
	}
	want := "waiting 0s: api/production: deploying, 1c0ffee → 7d3e2a1, 0/4 tasks\n" +
		"waiting 4s: api/production: deploying, 1c0ffee → 7d3e2a1, 2/4 tasks\n" +
		"waiting 14s: api/production: still deploying, 1c0ffee → 7d3e2a1, 2/4 tasks\n"
	if b.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", b.String(), want)
	}
}
