package sim

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// orders draws only from its own random sources: with it or without it,
// every other service (ECS state, pipelines, commits) is the same.
func TestOrdersLeavesTheOthersAlone(t *testing.T) {
	world := func(without bool) []byte {
		withoutNative = without
		defer func() { withoutNative = false }()
		h := newHarness(t, Options{Seed: 1})
		h.advance(20*time.Minute, time.Second)
		b := describeAll(t, h.srv.URL)
		for _, s := range []string{"api", "web", "worker", "payments", "shop"} {
			pj, _ := json.Marshal(h.w.Pipelines(s))
			cj, _ := json.Marshal(h.w.Commits(s))
			b = append(append(b, pj...), cj...)
		}
		return b
	}
	with, without := world(false), world(true)
	if !bytes.Equal(with, without) {
		t.Fatal("adding orders changed the other services")
	}
	if len(with) < 10000 {
		t.Fatalf("compared only %d bytes", len(with))
	}
}
