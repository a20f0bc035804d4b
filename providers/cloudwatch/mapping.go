package cloudwatch

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

const (
	albNamespace = "AWS/ApplicationELB"
	maxMinutes   = 60 // the longest window asked for
	// maxCount keeps a hostile sum inside int64.
	maxCount = 1e15
)

// query is one poll's question: two groups behind one load balancer,
// minute by minute from start.
type query struct {
	lb      string
	groups  [2]string // stable, canary dimension values
	start   time.Time
	minutes int
}

func newQuery(lbARN, stableARN, canaryARN string, window time.Duration, now time.Time) (query, error) {
	lb, err := LoadBalancerDimension(lbARN)
	if err != nil {
		return query{}, err
	}
	var q query
	for i, arn := range []string{stableARN, canaryARN} {
		if q.groups[i], err = TargetGroupDimension(arn); err != nil {
			return query{}, err
		}
	}
	if q.groups[0] == q.groups[1] {
		return query{}, fmt.Errorf("the stable and canary target groups are the same (%q)", stableARN)
	}
	q.lb = lb
	q.minutes = min(max(int(window/time.Minute), 1), maxMinutes)
	end := now.UTC().Truncate(time.Minute) // the minute in progress is not whole yet
	q.start = end.Add(-time.Duration(q.minutes) * time.Minute)
	return q, nil
}

// The four questions asked of each side; the id of a query is the side's
// letter and the question's ("s_req", "c_p99w").
var questions = []struct {
	id, metric, stat string
	window           bool // one value over the whole window instead of per minute
}{
	{"req", "RequestCount", "Sum", false},
	{"err", "HTTPCode_Target_5XX_Count", "Sum", false},
	{"p99", "TargetResponseTime", "p99", false},
	{"p99w", "TargetResponseTime", "p99", true},
}

var sideLetter = [2]string{"s", "c"}
var sideName = [2]string{"stable", "canary"}

func (q query) input() *cw.GetMetricDataInput {
	in := &cw.GetMetricDataInput{
		StartTime: aws.Time(q.start),
		EndTime:   aws.Time(q.start.Add(time.Duration(q.minutes) * time.Minute)),
		ScanBy:    types.ScanByTimestampAscending,
	}
	for side, tg := range q.groups {
		for _, qu := range questions {
			period := int32(60)
			if qu.window {
				period = int32(q.minutes * 60)
			}
			in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
				Id: aws.String(sideLetter[side] + "_" + qu.id),
				MetricStat: &types.MetricStat{
					Metric: &types.Metric{Namespace: aws.String(albNamespace), MetricName: aws.String(qu.metric),
						Dimensions: []types.Dimension{
							{Name: aws.String("LoadBalancer"), Value: aws.String(q.lb)},
							{Name: aws.String("TargetGroup"), Value: aws.String(tg)}}},
					Period: aws.Int32(period), Stat: aws.String(qu.stat)},
			})
		}
	}
	return in
}

// merged is one query's answer over every page.
type merged struct {
	times    []time.Time
	values   []float64
	status   types.StatusCode
	messages []string
}

// merge joins the pages by query id; a later page's status is the one
// that stands (CloudWatch says PartialData until the last page).
func merge(pages []*cw.GetMetricDataOutput) (map[string]*merged, []string) {
	out := map[string]*merged{}
	var top []string
	for _, p := range pages {
		if p == nil {
			continue
		}
		for _, m := range p.Messages {
			top = append(top, messageText(m))
		}
		for _, r := range p.MetricDataResults {
			id := aws.ToString(r.Id)
			m := out[id]
			if m == nil {
				m = &merged{}
				out[id] = m
			}
			n := min(len(r.Timestamps), len(r.Values))
			m.times = append(m.times, r.Timestamps[:n]...)
			m.values = append(m.values, r.Values[:n]...)
			m.status = r.StatusCode
			for _, msg := range r.Messages {
				m.messages = append(m.messages, messageText(msg))
			}
		}
	}
	return out, top
}

func messageText(m types.MessageData) string {
	return providers.OneLine(strings.TrimSpace(aws.ToString(m.Code)+" "+aws.ToString(m.Value)), 160)
}

// sides maps the answer. Every result must be Complete: anything else is
// ErrIncomplete naming what and why (Forbidden also ErrAuth), and the
// sides are then NoData.
func (q query) sides(pages []*cw.GetMetricDataOutput) (stable, canary model.CanarySide, err error) {
	results, top := merge(pages)
	if err := q.complete(results, top); err != nil {
		return model.CanarySide{NoData: true, Target: targetName(q.groups[0])},
			model.CanarySide{NoData: true, Target: targetName(q.groups[1])}, err
	}
	var out [2]model.CanarySide
	for side := range out {
		out[side] = q.side(side, results)
	}
	return out[0], out[1], nil
}

func (q query) complete(results map[string]*merged, top []string) error {
	var problems []string
	auth := false
	for side := range q.groups {
		for _, qu := range questions {
			id := sideLetter[side] + "_" + qu.id
			r := results[id]
			switch {
			case r == nil:
				problems = append(problems, fmt.Sprintf("%s %s: no result", sideName[side], qu.id))
			case r.status != types.StatusCodeComplete:
				status := string(r.status)
				if status == "" {
					status = "no StatusCode"
				}
				auth = auth || r.status == types.StatusCodeForbidden
				problems = append(problems, fmt.Sprintf("%s %s: %s%s", sideName[side], qu.id, status, joinMessages(r.messages)))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	err := fmt.Errorf("%w: %s%s", ErrIncomplete, strings.Join(problems, "; "), joinMessages(top))
	if auth {
		err = fmt.Errorf("%w: %w", providers.ErrAuth, err)
	}
	return err
}

func joinMessages(ms []string) string {
	if len(ms) == 0 {
		return ""
	}
	return " (" + strings.Join(ms, "; ") + ")"
}

// side fills one side: per-minute series (NaN where CloudWatch has no
// datapoint; a minute with requests but no 5xx datapoint had none, since
// the ALB publishes the 5xx count only when it is not zero), the counts
// over the window and the window's p99.
func (q query) side(side int, results map[string]*merged) model.CanarySide {
	s := model.CanarySide{Target: targetName(q.groups[side])}
	at := func(id string) *merged { return results[sideLetter[side]+"_"+id] }
	s.RequestSeries = q.series(at("req"))
	s.ErrorSeries = q.series(at("err"))
	s.LatencySeries = q.series(at("p99"))
	var reqs, errs float64
	seen := false
	for i := range s.RequestSeries {
		seen = seen || !math.IsNaN(s.LatencySeries[i]) || !math.IsNaN(s.ErrorSeries[i])
		if math.IsNaN(s.RequestSeries[i]) {
			continue
		}
		seen = true
		reqs += s.RequestSeries[i]
		if math.IsNaN(s.ErrorSeries[i]) {
			s.ErrorSeries[i] = 0
		}
		errs += s.ErrorSeries[i]
	}
	s.Requests = int64(math.Round(math.Min(reqs, maxCount)))
	s.Errors5xx = min(int64(math.Round(math.Min(errs, maxCount))), s.Requests)
	if w := at("p99w"); w != nil {
		for _, v := range w.values {
			if v > 0 && !math.IsInf(v, 0) {
				s.P99, seen = v, true
				break
			}
		}
	}
	s.NoData = !seen
	return s
}

// series places a result's datapoints on the window's minutes, oldest
// first. Datapoints outside the window, negative or not finite are left
// out; of two for one minute the first stands.
func (q query) series(r *merged) []float64 {
	out := make([]float64, q.minutes)
	for i := range out {
		out[i] = math.NaN()
	}
	if r == nil {
		return out
	}
	for i, t := range r.times {
		v := r.values[i]
		d := t.Sub(q.start)
		if d < 0 || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			continue
		}
		k := int64(d / time.Minute)
		if k < int64(q.minutes) && math.IsNaN(out[k]) {
			out[k] = v
		}
	}
	return out
}
