package model

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// Where the expected values come from:
//
//   - "py": model/testdata/canary_expected.py, the same tests written
//     again in Python with the standard library only (statistics.NormalDist),
//     run once and its output pasted here;
//   - "pub": a published worked example, cited where it is used.

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestTwoProportion(t *testing.T) {
	for _, c := range []struct {
		name           string
		x1, n1, x2, n2 int64
		z, p           float64
	}{
		// py: the example, 4.1 % of 812 against 0.3 % of 9 940.
		{"issue example", 33, 812, 30, 9940, 13.5058585041, 0},
		// py: 0.5 % against 0.4 %: no evidence.
		{"no evidence", 5, 1000, 40, 10000, 0.4723717259, 0.3183307411},
		// py: 3 % against 1.5 %.
		{"borderline", 12, 400, 60, 4000, 2.2545907162, 0.01207951536},
		// pub: homeworksource.com/p/1008622 (claim p1 < p2, x1=140 of 200,
		// x2=255 of 340): pooled p 0.7314815, SE 0.03949401, z = -1.266015.
		// Its p-value (0.103) is from a t table, so only z is compared;
		// the upper tail here is py's.
		{"published", 140, 200, 255, 340, -1.266015, 0.8972461129},
	} {
		got := twoProportion(c.x1, c.n1, c.x2, c.n2)
		if !near(got.Z, c.z, 1e-6) || !near(got.P, c.p, 1e-9) {
			t.Errorf("%s: z %.10f p %.10g, want z %.10f p %.10g", c.name, got.Z, got.P, c.z, c.p)
		}
	}
	// Far out in the tail erfc keeps a p-value Python's 1-cdf rounds to 0.
	if p := twoProportion(33, 812, 30, 9940).P; p <= 0 || p > 1e-30 {
		t.Errorf("issue example p = %g, want tiny but positive", p)
	}
	for _, c := range [][4]int64{{0, 100, 0, 100}, {100, 100, 50, 50}, {1, 0, 1, 10}, {1, 10, 1, 0}} {
		if got := twoProportion(c[0], c[1], c[2], c[3]); got.P != 1 {
			t.Errorf("%v: p %g, want 1 (no evidence without variance or samples)", c, got.P)
		}
	}
}

func TestMannWhitney(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name    string
		x, y    []float64
		u, z, p float64
	}{
		// py: every canary minute slower.
		{"slower", []float64{0.30, 0.32, 0.35, 0.31, 0.40, 0.38, 0.33, 0.36},
			[]float64{0.20, 0.21, 0.19, 0.22, 0.20, 0.23, 0.21, 0.18}, 64, 3.3130374001, 0.0004614431897},
		// py: alike, with minutes missing (NaN) on both sides.
		{"same, NaN dropped", []float64{0.20, nan, 0.21, 0.19, 0.22, 0.20},
			[]float64{0.21, 0.20, 0.19, nan, 0.22, 0.20, 0.21}, 14, -0.2843982295, 0.6119473922},
		// py: heavy ties, across and within the samples.
		{"ties", []float64{1, 2, 2, 3, 3, 3, 4}, []float64{1, 1, 2, 2, 3}, 25.5, 1.2725608525, 0.1015869588},
		// py: the morning/afternoon data below, tie-corrected and
		// continuity-corrected.
		{"morning/afternoon", morning, afternoon, 28, -1.8863377207, 0.9703752704},
	} {
		got := mannWhitney(c.x, c.y)
		if got.U != c.u || !near(got.Z, c.z, 1e-9) || !near(got.P, c.p, 1e-9) {
			t.Errorf("%s: U %g z %.10f p %.10g, want U %g z %.10f p %.10g", c.name, got.U, got.Z, got.P, c.u, c.z, c.p)
		}
	}
}

// pub: the EnigmaAmiga "Mann-Whitney U-test" spreadsheet script's worked
// example (discmaster.textfiles.com, EnigmaAmiga106CD): morning and
// afternoon samples, U(sample 1) 80, U(sample 2) 28, mean 54, variance
// 198, z -1.8477 (no tie or continuity correction). Its U(sample 1) counts
// the pairs where a morning value is smaller, so ours (greater) is 28.
var (
	morning   = []float64{66, 70, 73, 75, 75, 79, 82, 87, 95}
	afternoon = []float64{53, 81, 83, 84, 84, 84, 85, 86, 88, 90, 91, 92}
)

func TestMannWhitneyPublished(t *testing.T) {
	got := mannWhitney(morning, afternoon)
	if got.U != 28 || got.Mean != 54 || got.Var != 198 {
		t.Errorf("U %g mean %g var %g, want 28, 54, 198", got.U, got.Mean, got.Var)
	}
	if z := (got.U - got.Mean) / math.Sqrt(got.Var); !near(z, -1.8477, 5e-5) {
		t.Errorf("uncorrected z %.5f, want -1.8477", z)
	}
	if other := mannWhitney(afternoon, morning); other.U != 80 {
		t.Errorf("U of the afternoon sample %g, want 80", other.U)
	}
	// pub: Wikipedia, "Mann–Whitney U test", Illustration of calculation
	// methods: 6 tortoises and 6 hares finish T H H H H H T T T T T H;
	// U_T = 11 (hares each tortoise beats), U_H = 25. As finishing
	// positions (a greater value is slower), the tortoises' positions
	// exceed the hares' in 25 pairs and the hares' the tortoises' in 11.
	tortoise := []float64{1, 7, 8, 9, 10, 11}
	hare := []float64{2, 3, 4, 5, 6, 12}
	if u := mannWhitney(tortoise, hare).U; u != 25 {
		t.Errorf("tortoises slower than hares in %g pairs, want 25 (U_H)", u)
	}
	if u := mannWhitney(hare, tortoise).U; u != 11 {
		t.Errorf("hares slower than tortoises in %g pairs, want 11 (U_T)", u)
	}
}

func TestMannWhitneyNoEvidence(t *testing.T) {
	for _, c := range [][2][]float64{
		{nil, {1, 2}},
		{{1, 2}, {math.NaN()}},
		{{0.2, 0.2, 0.2}, {0.2, 0.2}}, // all tied: no variance
	} {
		if got := mannWhitney(c[0], c[1]); got.P != 1 {
			t.Errorf("%v: p %g, want 1", c, got.P)
		}
	}
}

func flat(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v + 0.001*float64(i%5)
	}
	return s
}

func side(req, errs int64, lat []float64) CanarySide {
	return CanarySide{Requests: req, Errors5xx: errs, LatencySeries: lat, RequestSeries: flat(len(lat), float64(req)/15)}
}

func TestJudge(t *testing.T) {
	fast, slow := flat(15, 0.180), flat(15, 0.400)
	for _, c := range []struct {
		name  string
		c     Canary
		word  VerdictWord
		why   string // the whole sentence, or a part of it after "…"
		error bool   // ErrorP was set
	}{
		{"the issue's bad canary", Canary{Canary: side(812, 33, fast), Stable: side(9940, 30, fast)}, VerdictWorse,
			"canary 5xx 4.1 % (n=812) vs stable 0.3 % (n=9 940): worse, p < 0.001", true},
		{"good canary", Canary{Canary: side(1000, 5, fast), Stable: side(10000, 40, fast)}, VerdictPass,
			"canary 5xx 0.5 % (n=1 000) vs stable 0.4 % (n=10 000), p = 0.32; latency 182 ms vs 182 ms (median of 15 vs 15 minutes), p = 0.51: pass", true},
		{"slow canary", Canary{Canary: side(1000, 4, slow), Stable: side(10000, 40, fast)}, VerdictWorse,
			"canary latency 402 ms vs 182 ms (median of 15 vs 15 minutes): worse, p < 0.001", true},
		{"errors and slow", Canary{Canary: side(812, 33, slow), Stable: side(9940, 30, fast)}, VerdictWorse,
			"canary 5xx 4.1 % (n=812) vs stable 0.3 % (n=9 940): worse, p < 0.001; latency 402 ms vs 182 ms (median of 15 vs 15 minutes): worse, p < 0.001", true},
		// Significant but immaterial: 0.6 % vs 0.4 % over 200 000 requests
		// is p < 0.001, and below the half-point rise that matters.
		{"significant, immaterial", Canary{Canary: side(200000, 1200, fast), Stable: side(800000, 3200, fast)}, VerdictPass,
			"…: pass", true},
		// Slower by 10 %, every minute: significant, under the 1.2 ratio.
		{"slightly slower", Canary{Canary: side(1000, 4, flat(15, 0.200)), Stable: side(10000, 40, fast)}, VerdictPass, "…: pass", true},
		{"canary metrics unreadable", Canary{Canary: CanarySide{NoData: true}, Stable: side(9940, 30, fast)}, VerdictNoData,
			"no data: the canary side's metrics have no datapoints", false},
		{"stable metrics unreadable", Canary{Canary: side(812, 33, fast), Stable: CanarySide{NoData: true}}, VerdictNoData,
			"no data: the stable side's metrics have no datapoints", false},
		{"nothing at all", Canary{}, VerdictNoData, "no data: the canary side served no requests in the window", false},
		{"too few canary requests", Canary{Canary: side(42, 10, slow), Stable: side(9940, 30, fast)}, VerdictTooFew,
			"not enough data yet: canary 42 requests, need 100", false},
		{"too few stable requests", Canary{Canary: side(5000, 10, fast), Stable: side(60, 0, fast)}, VerdictTooFew,
			"not enough data yet: stable 60 requests, need 100", false},
		// A latency series too short to test: errors decide alone.
		{"short latency series", Canary{Canary: side(1000, 5, []float64{9, 9}), Stable: side(10000, 40, []float64{0.1, 0.1})}, VerdictPass,
			"canary 5xx 0.5 % (n=1 000) vs stable 0.4 % (n=10 000), p = 0.32: pass", true},
	} {
		v := Judge(c.c, 0, 0)
		if v.Word != c.word {
			t.Errorf("%s: %s (%s), want %s", c.name, v.Word, v.Why, c.word)
		}
		if rest, ok := strings.CutPrefix(c.why, "…"); ok {
			if !strings.HasSuffix(v.Why, rest) {
				t.Errorf("%s: why %q, want it to end %q", c.name, v.Why, rest)
			}
		} else if v.Why != c.why {
			t.Errorf("%s: why\n %q, want\n %q", c.name, v.Why, c.why)
		}
		if (v.ErrorP >= 0) != c.error {
			t.Errorf("%s: error p %g; a test run: %v", c.name, v.ErrorP, c.error)
		}
	}
}

// A canary is never passed without numbers, whatever the thresholds.
func TestJudgeNeverPassesWithoutData(t *testing.T) {
	for _, c := range []Canary{
		{},
		{Canary: CanarySide{NoData: true, Requests: 5000}, Stable: side(5000, 0, flat(15, 0.1))},
		{Canary: CanarySide{Requests: 0, RequestSeries: []float64{math.NaN(), math.NaN()}}, Stable: side(5000, 0, flat(15, 0.1))},
		{Canary: side(5000, 0, flat(15, 0.1)), Stable: CanarySide{}},
	} {
		for _, min := range []int64{-1, 0, 1, 100} {
			if v := Judge(c, min, 0.5); v.Word == VerdictPass {
				t.Errorf("%+v min %d: passed without data (%s)", c, min, v.Why)
			}
		}
	}
}

func TestJudgeMinRequestsAndAlpha(t *testing.T) {
	c := Canary{Canary: side(150, 0, flat(15, 0.1)), Stable: side(5000, 10, flat(15, 0.1))}
	if v := Judge(c, 200, 0); v.Word != VerdictTooFew || v.Why != "not enough data yet: canary 150 requests, need 200" {
		t.Errorf("min 200: %s %q", v.Word, v.Why)
	}
	if v := Judge(c, 0, 0); v.Word != VerdictPass {
		t.Errorf("default min: %s %q", v.Word, v.Why)
	}
	// py: 3 % of 400 against 1.5 % of 4 000 is p = 0.012: worse at the
	// default 0.05, a pass at 0.01.
	b := Canary{Canary: side(400, 12, flat(15, 0.1)), Stable: side(4000, 60, flat(15, 0.1))}
	if v := Judge(b, 0, 0); v.Word != VerdictWorse || !strings.HasSuffix(v.Why, "worse, p = 0.012") {
		t.Errorf("alpha 0.05: %s %q", v.Word, v.Why)
	}
	if v := Judge(b, 0, 0.01); v.Word != VerdictPass {
		t.Errorf("alpha 0.01: %s %q", v.Word, v.Why)
	}
}

func TestJudgeIfUnjudged(t *testing.T) {
	e := EnvStatus{Canary: &Canary{Canary: side(812, 33, nil), Stable: side(9940, 30, nil)}}
	JudgeIfUnjudged(&e)
	if e.Canary.Verdict.Word != VerdictWorse {
		t.Errorf("judged %s", e.Canary.Verdict.Word)
	}
	e.Canary.Verdict = Verdict{Word: VerdictPass, Why: "the provider's own"}
	JudgeIfUnjudged(&e)
	if e.Canary.Verdict.Why != "the provider's own" {
		t.Errorf("a provider's verdict was replaced: %q", e.Canary.Verdict.Why)
	}
	JudgeIfUnjudged(&EnvStatus{}) // no canary: nothing to do, no panic

	// The provider's own copy is not written.
	mine := &Canary{Canary: side(812, 33, nil), Stable: side(9940, 30, nil)}
	e = EnvStatus{Canary: mine}
	JudgeIfUnjudged(&e)
	if mine.Verdict.Word != "" || e.Canary == mine {
		t.Errorf("the provider's canary was written: %+v", mine.Verdict)
	}
}

// Statuses entering the snapshot, by a poll or assembled for a command,
// carry a verdict.
func TestSnapshotJudgesCanaries(t *testing.T) {
	bad := EnvStatus{Service: "api", Environment: "production", Canary: &Canary{Canary: side(812, 33, nil), Stable: side(9940, 30, nil)}}
	s := SnapshotOf(bad)
	if e, _ := s.Env(bad.Key()); e.Canary.Verdict.Word != VerdictWorse {
		t.Errorf("SnapshotOf: %q", e.Canary.Verdict.Word)
	}
	s = NewSnapshot([]ServiceSpec{{Name: "api", Environments: []EnvSpec{{Name: "production"}}}})
	s.Merge(FetchResult{Source: "ecs", Envs: []EnvStatus{bad}, Covers: []EnvKey{bad.Key()}})
	if e, _ := s.Env(bad.Key()); e.Canary == nil || e.Canary.Verdict.Word != VerdictWorse {
		t.Errorf("Merge: %+v", e.Canary)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range [][2]string{
		{Group(0), "0"}, {Group(812), "812"}, {Group(9940), "9 940"}, {Group(1204331), "1 204 331"}, {Group(-1500), "-1 500"},
		{PValue(0.0004), "p < 0.001"}, {PValue(0.004), "p = 0.004"}, {PValue(0.03), "p = 0.03"}, {PValue(1), "p = 1"}, {PValue(0.0046), "p = 0.0046"}, {PValue(0.512), "p = 0.51"},
		{Percent(0.041), "4.1 %"}, {Percent(0.0003), "0.03 %"}, {Percent(0), "0.0 %"},
		{Seconds(0.412), "412 ms"}, {Seconds(1.239), "1.24 s"}, {Seconds(math.NaN()), "-"},
	} {
		if c[0] != c[1] {
			t.Errorf("got %q, want %q", c[0], c[1])
		}
	}
}

func BenchmarkJudge(b *testing.B) {
	c := Canary{Canary: side(812, 33, flat(15, 0.4)), Stable: side(9940, 30, flat(15, 0.18))}
	b.ReportAllocs()
	for b.Loop() {
		Judge(c, 0, 0)
	}
}

// A missing minute must not break `status --json`: encoding/json refuses
// NaN, so it is written as null and read back as NaN.
func TestSeriesJSON(t *testing.T) {
	e := EnvStatus{Service: "api", Environment: "production", Canary: &Canary{
		Canary: CanarySide{LatencySeries: Series{0.2, math.NaN(), math.Inf(1), 0.25}},
	}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if !strings.Contains(string(b), `"latency_series":[0.2,null,null,0.25]`) {
		t.Errorf("json: %s", b)
	}
	var back EnvStatus
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got := back.Canary.Canary.LatencySeries
	if len(got) != 4 || got[0] != 0.2 || !math.IsNaN(got[1]) || !math.IsNaN(got[2]) || got[3] != 0.25 {
		t.Errorf("read back %v", got)
	}
	if b, _ := json.Marshal(CanarySide{}); strings.Contains(string(b), "series") {
		t.Errorf("empty series are left out: %s", b)
	}
}
