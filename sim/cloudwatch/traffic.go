package cloudwatch

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"
)

// Behaviour is how one version answers: its share of 5xx and its p99
// latency, each possibly drifting from a time on (a canary going bad).
type Behaviour struct {
	ErrorRate float64 // share of requests answered 5xx, 0..1
	P99       float64 // p99 response time, seconds
	// From is when the drifts start; zero means never.
	From time.Time
	// ErrorDrift is added to ErrorRate per minute after From;
	// P99Drift multiplies P99 per minute after From (1.02: 2 % slower a
	// minute). 0 is no drift.
	ErrorDrift, P99Drift float64
}

// Healthy is a well-behaved web service: 0.2 % 5xx, p99 250 ms.
var Healthy = Behaviour{ErrorRate: 0.002, P99: 0.25}

// ErrorsDrifting is b with its 5xx share growing by perMinute each
// minute from from on.
func (b Behaviour) ErrorsDrifting(perMinute float64, from time.Time) Behaviour {
	b.ErrorDrift, b.From = perMinute, from
	return b
}

// Slower is b with its p99 multiplied by factor.
func (b Behaviour) Slower(factor float64) Behaviour {
	b.P99 *= factor
	return b
}

// at is the behaviour's error share and p99 at minute.
func (b Behaviour) at(minute time.Time) (errRate, p99 float64) {
	errRate, p99 = b.ErrorRate, b.P99
	if !b.From.IsZero() && minute.After(b.From) {
		mins := minute.Sub(b.From).Minutes()
		errRate += b.ErrorDrift * mins
		if b.P99Drift > 0 {
			p99 *= math.Pow(b.P99Drift, mins)
		}
	}
	return math.Min(math.Max(errRate, 0), 1), p99
}

// WeightedTraffic is a listener's traffic split over its target groups: a
// total rate, the weight each group gets, and how the version behind each
// group answers. It is a pure function of its fields, the group and the
// minute, with noise drawn from Seed: requests are Poisson around the
// weighted rate (the total wobbling a little from minute to minute, the
// same wobble for every group), 5xx binomial in the requests, the p99
// noisier the fewer requests it is measured on.
//
// A good canary at 10 %:
//
//	WeightedTraffic{Seed: 1, PerMinute: 600, Weight: Fixed(map[string]float64{stable: 0.9, canary: 0.1}),
//		Behaviour: map[string]Behaviour{canary: Healthy}}
//
// and one whose errors drift up from t0 is the same with
// Behaviour: map[string]Behaviour{canary: Healthy.ErrorsDrifting(0.003, t0)}.
type WeightedTraffic struct {
	Seed      uint64
	PerMinute float64 // requests a minute over all the listener's groups
	// Weight is the group's share of PerMinute at minute, 0..1.
	Weight func(tgARN string, minute time.Time) float64
	// Version is what runs behind the group at minute; nil: the group's
	// ARN is its version.
	Version func(tgARN string, minute time.Time) string
	// Behaviour is each version's; a version not in it is Healthy.
	Behaviour map[string]Behaviour
}

// Fixed is a weight function from a constant share per group (absent: 0).
func Fixed(shares map[string]float64) func(string, time.Time) float64 {
	return func(tg string, _ time.Time) float64 { return shares[tg] }
}

// Traffic is the group's minute.
func (w WeightedTraffic) Traffic(tgARN string, minute time.Time) (requests, errors5xx, p99 float64, ok bool) {
	if w.Weight == nil {
		return 0, 0, 0, false
	}
	share := w.Weight(tgARN, minute)
	if !(share > 0) {
		return 0, 0, 0, false
	}
	version := tgARN
	if w.Version != nil {
		version = w.Version(tgARN, minute)
	}
	b, known := w.Behaviour[version]
	if !known {
		b = Healthy
	}
	errRate, p99 := b.at(minute)

	m := uint64(minute.Unix() / 60)
	wobble := math.Exp(0.08 * rand.New(rand.NewPCG(w.Seed, m)).NormFloat64())
	rng := rand.New(rand.NewPCG(w.Seed^hash64(tgARN), m))
	requests = poisson(rng, w.PerMinute*wobble*math.Min(share, 1))
	if requests < 1 {
		return 0, 0, 0, false
	}
	errors5xx = binomial(rng, requests, errRate)
	p99 *= math.Exp((0.04 + 0.4/math.Sqrt(requests)) * rng.NormFloat64())
	return requests, errors5xx, p99, true
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// poisson draws a Poisson count: exactly below 30, by the normal
// approximation above.
func poisson(rng *rand.Rand, lambda float64) float64 {
	if !(lambda > 0) {
		return 0
	}
	if lambda >= 30 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64()))
	}
	limit, k, p := math.Exp(-lambda), 0.0, rng.Float64()
	for p > limit {
		k++
		p *= rng.Float64()
	}
	return k
}

// binomial draws how many of n trials succeed at p: by Poisson when rare,
// else by the normal approximation, within 0..n.
func binomial(rng *rand.Rand, n, p float64) float64 {
	if n < 1 || !(p > 0) {
		return 0
	}
	if p >= 1 {
		return n
	}
	var k float64
	if n*p < 30 || p < 0.05 {
		k = poisson(rng, n*p)
	} else {
		k = math.Round(n*p + math.Sqrt(n*p*(1-p))*rng.NormFloat64())
	}
	return math.Min(math.Max(k, 0), n)
}
