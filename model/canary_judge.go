package model

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The canary judgement. Two tests, both one-sided (is the canary worse?):
//
//   - 5xx: a two-proportion z test on the window's counts, canary against
//     stable, with the pooled proportion under the null;
//   - latency: a Mann-Whitney U test on the per-minute latency series
//     (minutes without a datapoint dropped), normal approximation with the
//     tie correction and a continuity correction, as Kayenta's judge
//     compares latency: ranks, not means, so one slow minute does not
//     decide and no distribution is assumed.
//
// A significant test alone does not make a canary worse: with tens of
// thousands of requests a 0.05 point difference is "significant" and
// harmless. The effect must also be material (see the thresholds below),
// the way a release manager would judge it by eye.
const (
	// DefaultCanaryMinRequests is the canary requests below which no
	// verdict is given ("not enough data yet"). A config key
	// (canary.min_requests) may set it later.
	DefaultCanaryMinRequests = 100
	// DefaultCanaryAlpha is the significance level of each test.
	DefaultCanaryAlpha = 0.05
	// materialErrorRise: the canary's 5xx rate must exceed the stable
	// side's by more than half a percentage point. Below that the
	// difference is noise to the people reading the board, whatever p is.
	materialErrorRise = 0.005
	// materialLatencyRatio: the canary's median per-minute latency must be
	// more than 1.2 times the stable side's (Kayenta's default
	// "allowed increase" for latency metrics is of this order).
	materialLatencyRatio = 1.2
	// minLatencyMinutes is the fewest minutes with a datapoint each side
	// needs before the latency test is run: below it the normal
	// approximation says little and the test is skipped (LatencyP -1).
	minLatencyMinutes = 3
)

// proportionTest is a one-sided two-proportion z test: is the share of x1
// in n1 greater than the share of x2 in n2? P is the upper-tail p-value;
// with no variance at all (no errors on either side, or only errors) there
// is no evidence, P is 1 and Z 0.
type proportionTest struct {
	Z, P float64
}

func twoProportion(x1, n1, x2, n2 int64) proportionTest {
	if n1 <= 0 || n2 <= 0 {
		return proportionTest{P: 1}
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pool := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return proportionTest{P: 1}
	}
	z := (p1 - p2) / se
	return proportionTest{Z: z, P: upperTail(z)}
}

// upperTail is P(Z > z) for a standard normal Z: erfc keeps precision far
// out in the tail, where 1-CDF would round to 0.
func upperTail(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// rankTest is a Mann-Whitney U test of "x tends to be greater than y".
// U counts the pairs (x_i, y_j) with x_i > y_j, ties counting one half.
// Mean and Var are U's under the null without ties; TieVar with the tie
// correction, which Z and P (upper tail, continuity-corrected) use.
type rankTest struct {
	N1, N2           int
	U, Mean          float64
	Var, TieVar      float64
	Z, P             float64
	MedianX, MedianY float64
}

// mannWhitney runs the test on two samples, dropping NaNs. With an empty
// side, or every value tied, there is no evidence: P is 1.
func mannWhitney(x, y []float64) rankTest {
	x, y = finite(x), finite(y)
	t := rankTest{N1: len(x), N2: len(y), P: 1, MedianX: median(x), MedianY: median(y)}
	if t.N1 == 0 || t.N2 == 0 {
		return t
	}
	type obs struct {
		v float64
		x bool
	}
	all := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	// Midranks: a run of ties shares the mean of the ranks it spans; the
	// runs' lengths make the tie correction.
	var rankSumX, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		mid := float64(i+j+1) / 2 // ranks i+1 … j
		for k := i; k < j; k++ {
			if all[k].x {
				rankSumX += mid
			}
		}
		if n := float64(j - i); n > 1 {
			ties += n*n*n - n
		}
		i = j
	}
	n1, n2, n := float64(t.N1), float64(t.N2), float64(t.N1+t.N2)
	t.U = rankSumX - n1*(n1+1)/2
	t.Mean = n1 * n2 / 2
	t.Var = n1 * n2 * (n + 1) / 12
	t.TieVar = t.Var
	if n > 1 {
		t.TieVar = n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1)))
	}
	if t.TieVar <= 0 {
		return t
	}
	t.Z = (t.U - t.Mean - 0.5) / math.Sqrt(t.TieVar)
	t.P = upperTail(t.Z)
	return t
}

func finite(v []float64) []float64 {
	out := make([]float64, 0, len(v))
	for _, f := range v {
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			out = append(out, f)
		}
	}
	return out
}

// median of finite values; NaN when there are none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Judge judges a canary against its stable side. minRequests <= 0 means
// DefaultCanaryMinRequests; alpha outside (0, 1) means DefaultCanaryAlpha.
// It never passes a canary it has no numbers for: a side without data is
// "no data", and too few canary (or stable) requests "not enough data
// yet", whatever the tests would say.
func Judge(c Canary, minRequests int64, alpha float64) Verdict {
	if minRequests <= 0 {
		minRequests = DefaultCanaryMinRequests
	}
	if !(alpha > 0 && alpha < 1) {
		alpha = DefaultCanaryAlpha
	}
	v := Verdict{ErrorP: -1, LatencyP: -1}
	if why := noData(c); why != "" {
		v.Word, v.Why = VerdictNoData, why
		return v
	}
	for _, s := range []struct {
		name string
		side CanarySide
	}{{"canary", c.Canary}, {"stable", c.Stable}} {
		if s.side.Requests < minRequests {
			v.Word = VerdictTooFew
			v.Why = fmt.Sprintf("not enough data yet: %s %s requests, need %s", s.name, Group(s.side.Requests), Group(minRequests))
			return v
		}
	}
	errs := twoProportion(c.Canary.Errors5xx, c.Canary.Requests, c.Stable.Errors5xx, c.Stable.Requests)
	v.ErrorP = errs.P
	errWorse := errs.P < alpha && c.Canary.ErrorRate()-c.Stable.ErrorRate() > materialErrorRise
	lat := mannWhitney(c.Canary.LatencySeries, c.Stable.LatencySeries)
	latRun := lat.N1 >= minLatencyMinutes && lat.N2 >= minLatencyMinutes
	latWorse := false
	if latRun {
		v.LatencyP = lat.P
		latWorse = lat.P < alpha && lat.MedianX > materialLatencyRatio*lat.MedianY
	}
	errText := fmt.Sprintf("canary 5xx %s (n=%s) vs stable %s (n=%s)",
		Percent(c.Canary.ErrorRate()), Group(c.Canary.Requests), Percent(c.Stable.ErrorRate()), Group(c.Stable.Requests))
	latText := ""
	if latRun {
		latText = fmt.Sprintf("latency %s vs %s (median of %d vs %d minutes)",
			Seconds(lat.MedianX), Seconds(lat.MedianY), lat.N1, lat.N2)
	}
	switch {
	case errWorse && latWorse:
		v.Word = VerdictWorse
		v.Why = errText + ": worse, " + PValue(errs.P) + "; " + latText + ": worse, " + PValue(lat.P)
	case errWorse:
		v.Word = VerdictWorse
		v.Why = errText + ": worse, " + PValue(errs.P)
	case latWorse:
		v.Word = VerdictWorse
		v.Why = "canary " + latText + ": worse, " + PValue(lat.P)
	default:
		v.Word = VerdictPass
		v.Why = errText + ", " + PValue(errs.P)
		if latRun {
			v.Why += "; " + latText + ", " + PValue(lat.P)
		}
		v.Why += ": pass"
	}
	return v
}

// noData says why there is nothing to judge: a side whose metrics were
// unreadable or empty, or a side that served nothing.
func noData(c Canary) string {
	if c.MetricsError != "" {
		return "no data: the metrics could not be read: " + c.MetricsError
	}
	for _, s := range []struct {
		name string
		side CanarySide
	}{{"canary", c.Canary}, {"stable", c.Stable}} {
		switch {
		case s.side.NoData:
			return "no data: the " + s.name + " side's metrics have no datapoints"
		case s.side.Requests <= 0 && len(finite(s.side.RequestSeries)) == 0:
			return "no data: the " + s.name + " side served no requests in the window"
		}
	}
	return ""
}

// JudgeIfUnjudged fills the verdict of a canary that came without one,
// with the default minimum and significance level. Statuses pass through
// it where they enter the snapshot (Merge, SnapshotOf), so the board, the
// panel, the planner and `status --json` read one verdict. The canary is
// copied before it is written: the provider may keep the one it returned.
func JudgeIfUnjudged(e *EnvStatus) {
	if e.Canary != nil && e.Canary.Verdict.Word == "" {
		c := *e.Canary
		c.Verdict = Judge(c, DefaultCanaryMinRequests, DefaultCanaryAlpha)
		e.Canary = &c
	}
}

// PValue formats a p-value as the verdict says it, two significant
// digits: "p < 0.001", "p = 0.0046", "p = 0.03", "p = 0.51".
func PValue(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return "p = " + strconv.FormatFloat(p, 'g', 2, 64)
}

// Percent formats a share 0..1 as "4.1 %"; a share too small for one
// decimal but not zero keeps two ("0.04 %").
func Percent(share float64) string {
	pc := share * 100
	if pc > 0 && pc < 0.05 {
		return fmt.Sprintf("%.2f %%", pc)
	}
	return fmt.Sprintf("%.1f %%", pc)
}

// Seconds formats a latency in seconds: "412 ms" under a second, "1.24 s"
// above, "-" when unknown.
func Seconds(s float64) string {
	switch {
	case math.IsNaN(s) || s < 0:
		return "-"
	case s < 1:
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.2f s", s)
}

// Group writes a count with a space between groups of three digits:
// "9 940", "1 204 331".
func Group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
