package cloudwatch_test

import (
	"math"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim/cloudwatch"
)

// sums is the traffic of tg over the hour before t0.
func sums(w cloudwatch.WeightedTraffic, tg string) (reqs, errs float64, p99s []float64) {
	for m := t0.Add(-time.Hour); m.Before(t0); m = m.Add(time.Minute) {
		r, e, p, ok := w.Traffic(tg, m)
		if ok {
			reqs, errs, p99s = reqs+r, errs+e, append(p99s, p)
		}
	}
	return reqs, errs, p99s
}

// TestWeightedTraffic: the split follows the weights, 5xx and latency the
// version's behaviour, with noise; the same seed gives the same minutes,
// another seed others; a group with no weight has no traffic.
func TestWeightedTraffic(t *testing.T) {
	good := cloudwatch.WeightedTraffic{Seed: 7, PerMinute: 1000,
		Weight:    cloudwatch.Fixed(map[string]float64{tgA: 0.9, tgB: 0.1}),
		Behaviour: map[string]cloudwatch.Behaviour{tgB: cloudwatch.Healthy}}
	ra, ea, pa := sums(good, tgA)
	rb, eb, pb := sums(good, tgB)
	if math.Abs(ra/60-900) > 40 || math.Abs(rb/60-100) > 10 {
		t.Errorf("per minute: A %.0f (want ~900), B %.0f (want ~100)", ra/60, rb/60)
	}
	if r := ea / ra; r < 0.001 || r > 0.003 {
		t.Errorf("A's 5xx rate %.4f, want ~0.002", r)
	}
	if r := eb / rb; r > 0.006 {
		t.Errorf("B's 5xx rate %.4f, want ~0.002", r)
	}
	if len(pa) != 60 || len(pb) != 60 || spread(pa) == 0 || spread(pb) <= spread(pa) {
		t.Errorf("p99 spread: A %.4f, B %.4f (fewer requests, noisier)", spread(pa), spread(pb))
	}
	again := good
	if r, _, _ := sums(again, tgB); r != rb {
		t.Errorf("same seed, %v then %v", rb, r)
	}
	again.Seed = 8
	if r, _, _ := sums(again, tgB); r == rb {
		t.Errorf("another seed, the same %v", r)
	}
	if _, _, _, ok := good.Traffic("arn:other", t0); ok {
		t.Error("a group without weight has traffic")
	}

	bad := good
	bad.Behaviour = map[string]cloudwatch.Behaviour{tgB: cloudwatch.Healthy.ErrorsDrifting(0.001, t0.Add(-time.Hour)).Slower(1.5)}
	rbad, ebad, pbad := sums(bad, tgB)
	if r := ebad / rbad; r < 0.02 || r > 0.04 { // 0.2 % + 0.1 %/min over an hour: ~3.2 % on average
		t.Errorf("drifting 5xx rate %.4f", r)
	}
	if median(pbad) < 1.3*median(pb) {
		t.Errorf("slower p99 %.3f vs %.3f", median(pbad), median(pb))
	}
}

func spread(xs []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return hi - lo
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
