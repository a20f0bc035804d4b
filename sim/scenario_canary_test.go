package sim

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The demo's canary story, as the team around it plays it: a commit is
// deployed to the canary service at weight 0 (stable untouched); at 10 %
// the canary's target group gets about a tenth of the requests in the
// following minutes, and the minutes before keep none; promoted to 100 %,
// the stable service is rolled to the canary's version and the listener
// set back to stable 100; and the next commit starts it all again.
func TestDemoCanaryStory(t *testing.T) {
	h := newHarness(t, Options{Seed: 5})
	listener, stableTG, canaryTG, ok := h.w.Canary("search")
	if !ok {
		t.Fatal("no canary search in the demo")
	}
	td := func(name string) string { return aws.ToString(h.service("production", name).TaskDefinition) }
	stable := td("search")
	if td("search-canary") != stable {
		t.Fatalf("at t0 the sides differ: %s, %s", stable, td("search-canary"))
	}
	locked := func(fn func()) {
		h.w.loop.Lock()
		defer h.w.loop.Unlock()
		fn()
	}
	weights := func() (w map[string]int) { locked(func() { w = h.w.elbv2.Weights(listener) }); return }
	if w := weights(); w[stableTG] != 100 || w[canaryTG] != 0 {
		t.Fatalf("weights at t0: %v", w)
	}
	if !h.until(10*time.Minute, func() bool { return td("search-canary") != stable && h.steady("production", "search-canary") }) {
		t.Fatal("the new version never reached the canary service")
	}
	if td("search") != stable || weights()[canaryTG] != 0 {
		t.Fatalf("the deploy touched the stable side or the weights: %s %v", td("search"), weights())
	}
	before := h.clk.Now().Truncate(time.Minute).Add(-time.Minute)
	locked(func() { h.w.elbv2.SetWeights(listener, map[string]int{canaryTG: 10, stableTG: 90}) })
	h.advance(3*time.Minute, 5*time.Second)
	after := h.clk.Now().Truncate(time.Minute).Add(-time.Minute)
	var cReq, sReq, cBefore float64
	locked(func() {
		cReq, _, _, _ = h.w.canaryTraffic(canaryTG, after)
		sReq, _, _, _ = h.w.canaryTraffic(stableTG, after)
		cBefore, _, _, _ = h.w.canaryTraffic(canaryTG, before)
	})
	if share := cReq / (cReq + sReq); share < 0.06 || share > 0.14 || cBefore != 0 {
		t.Fatalf("at 10 %%: canary %v, stable %v requests (share %.3f); the minute before: %v", cReq, sReq, share, cBefore)
	}
	canary := td("search-canary")
	locked(func() { h.w.elbv2.SetWeights(listener, map[string]int{canaryTG: 100, stableTG: 0}) })
	if !h.until(5*time.Minute, func() bool { return td("search") == canary && weights()[stableTG] == 100 && weights()[canaryTG] == 0 }) {
		t.Fatalf("promoted, not rolled into stable: stable %s, canary %s, %v", td("search"), canary, weights())
	}
	if !h.until(12*time.Minute, func() bool { return td("search-canary") != canary }) {
		t.Fatal("no next canary after the promotion")
	}
}
