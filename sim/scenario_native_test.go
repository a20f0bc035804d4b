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

// orders's load balancer: while a canary shifts production traffic the
// two target groups share it by the deployment's weights (10 % to the new
// revision's), and CloudWatch's minutes of each follow them.
func TestOrdersTrafficFollowsTheWeights(t *testing.T) {
	h := newHarness(t, Options{Seed: 1})
	shares := func() map[string]float64 {
		h.w.loop.Lock()
		defer h.w.loop.Unlock()
		return h.w.ecs.ProductionShares(clusterStaging, nvOrders)
	}
	if s := shares(); len(s) == 0 {
		t.Fatal("orders in staging has no load balancer shares")
	}
	split := func() bool {
		s := shares()
		for _, v := range s {
			if v <= 0 || v >= 1 {
				return false
			}
		}
		return len(s) == 2
	}
	if !h.until(3*time.Hour, split) {
		t.Fatal("orders's staging canary never split the traffic")
	}
	s := shares()
	h.w.loop.Lock()
	defer h.w.loop.Unlock()
	// The minute the shift began in was not yet split; the next one is.
	before, minute := h.clk.Now().Truncate(time.Minute), h.clk.Now().Truncate(time.Minute).Add(time.Minute)
	for tg, share := range s {
		if _, _, _, ok := h.w.nativeTraffic(tg, before); ok == (share < 0.5) {
			t.Errorf("before the shift: traffic %v on %s (share now %g)", ok, tg, share)
		}
	}
	var canaryReq, stableReq float64
	for tg, share := range s {
		req, _, _, ok := h.w.nativeTraffic(tg, minute)
		if !ok || req <= 0 {
			t.Fatalf("no traffic on %s at share %g", tg, share)
		}
		if share < 0.5 {
			canaryReq = req
		} else {
			stableReq = req
		}
		if share != 0.1 && share != 0.9 {
			t.Errorf("share %g, want the canary's 10 %% split", share)
		}
	}
	if canaryReq <= 0 || stableReq <= 3*canaryReq {
		t.Fatalf("stable %g, canary %g requests: not a 90/10 split", stableReq, canaryReq)
	}
}
