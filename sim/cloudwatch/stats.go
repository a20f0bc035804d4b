package cloudwatch

import (
	"math"
	"strconv"
	"strings"
)

// sample is one minute of one metric, enough to answer every statistic:
// how many values, their sum, and their distribution, a lognormal in
// seconds (sigma 0 is a point mass at e^mu: the count metrics, whose every
// value is 1, as the ALB documentation says of their Minimum, Maximum and
// Average).
type sample struct {
	count, sum float64
	mu, sigma  float64
}

// latencySigma is the spread of response times within a minute: p99 is
// about four times the median, as on a web service with a slow tail.
const latencySigma = 0.6

// z99 is the standard normal's 0.99 quantile.
const z99 = 2.326347874

// minuteSample is metric's sample in a minute with this traffic; ok is
// false when the ALB publishes no datapoint (no requests; for the 5xx
// count, no 5xx: the ALB publishes HTTPCode metrics only when they are
// non-zero, which is why dashboards fill them with 0).
func minuteSample(metric string, requests, errs, p99 float64) (sample, bool) {
	switch metric {
	case MetricRequestCount:
		return sample{count: requests, sum: requests}, requests >= 1
	case MetricTarget5XX:
		return sample{count: errs, sum: errs}, errs >= 1 && requests >= 1
	case MetricResponseTime:
		if requests < 1 || !(p99 > 0) || math.IsInf(p99, 0) {
			return sample{}, false
		}
		mu := math.Log(p99) - z99*latencySigma
		mean := math.Exp(mu + latencySigma*latencySigma/2)
		return sample{count: requests, sum: mean * requests, mu: mu, sigma: latencySigma}, true
	}
	return sample{}, false
}

// statistic answers stat over the minutes of one period.
func statistic(stat string, ss []sample) float64 {
	var count, sum float64
	for _, s := range ss {
		count += s.count
		sum += s.sum
	}
	switch stat {
	case "Sum":
		return sum
	case "SampleCount":
		return count
	case "Average":
		return sum / count
	case "Minimum":
		return quantile(ss, 1/(count+1))
	case "Maximum":
		return quantile(ss, count/(count+1))
	}
	p, err := strconv.ParseFloat(strings.TrimPrefix(stat, "p"), 64)
	if err != nil {
		return math.NaN()
	}
	return quantile(ss, p/100)
}

// quantile is the q-quantile of the mixture of the samples' distributions,
// each weighted by its count: in closed form for one minute, else found by
// bisection on the log scale.
func quantile(ss []sample, q float64) float64 {
	if len(ss) == 1 && q > 0 && q < 1 {
		return math.Exp(ss[0].mu + ss[0].sigma*math.Sqrt2*math.Erfinv(2*q-1))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		lo = math.Min(lo, s.mu-6*s.sigma)
		hi = math.Max(hi, s.mu+6*s.sigma)
	}
	if hi-lo < 1e-12 {
		return math.Exp(lo)
	}
	q = math.Min(math.Max(q, 0), 1)
	for range 60 {
		mid := (lo + hi) / 2
		if mixtureCDF(ss, mid) < q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2)
}

// mixtureCDF is the share of values at or below e^x.
func mixtureCDF(ss []sample, x float64) float64 {
	var w, total float64
	for _, s := range ss {
		total += s.count
		switch {
		case s.sigma == 0 && x >= s.mu:
			w += s.count
		case s.sigma > 0:
			w += s.count * 0.5 * math.Erfc(-(x-s.mu)/(s.sigma*math.Sqrt2))
		}
	}
	return w / total
}
