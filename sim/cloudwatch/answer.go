package cloudwatch

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// retention is how far back one-minute datapoints are kept.
const retention = 15 * 24 * time.Hour

// point is one datapoint.
type point struct {
	t time.Time
	v float64
}

// series is one query's answer before paging.
type series struct {
	q        query
	points   []point
	status   string // "" Complete
	messages [][2]string
}

func (pt *Part) serveGetMetricData(rw http.ResponseWriter, r *http.Request) {
	req, e := readRequest(r)
	if e != nil {
		e.write(rw)
		return
	}
	pt.lock.Lock()
	all := pt.answer(req)
	pt.lock.Unlock()
	from, e := req.tokenOffset()
	if e != nil {
		e.write(rw)
		return
	}
	body := encodePage(all, from, req)
	h := rw.Header()
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	rw.WriteHeader(http.StatusOK)
	rw.Write(body)
}

// answer computes every returned query's datapoints; the lock is held.
func (pt *Part) answer(req *request) []series {
	now := pt.now()
	var out []series
	for _, q := range req.queries {
		if !q.returnData {
			continue
		}
		s := series{q: q}
		switch {
		case q.expression != "":
			s.status = "InternalError"
			s.messages = append(s.messages, [2]string{"InternalError", "Metric math is not evaluated by the flightdeck sim."})
		case trimmedStat.MatchString(q.stat):
			s.status = "InternalError"
			s.messages = append(s.messages, [2]string{"InternalError", "The statistic " + q.stat + " is not computed by the flightdeck sim."})
		default:
			s.points = pt.points(q, req, now)
		}
		if pt.status != "" {
			s.status = pt.status
			s.messages = append(s.messages, [2]string{pt.status, pt.statusMsg})
		}
		if !req.ascending {
			for i, j := 0, len(s.points)-1; i < j; i, j = i+1, j-1 {
				s.points[i], s.points[j] = s.points[j], s.points[i]
			}
		}
		out = append(out, s)
	}
	return out
}

// unitOf is the unit each metric is published with.
var unitOf = map[string]string{MetricRequestCount: "Count", MetricTarget5XX: "Count", MetricResponseTime: "Seconds"}

// points are q's datapoints, oldest first: one per period that saw any
// published minute. A metric the part does not publish (another
// namespace, name, unit or set of dimensions) has none, as in CloudWatch,
// where a metric is only the exact combination it was published with.
func (pt *Part) points(q query, req *request, now time.Time) []point {
	tg, ok := pt.groups[dims{lb: q.dims["LoadBalancer"], tg: q.dims["TargetGroup"]}]
	unit, known := unitOf[q.metric]
	if !ok || !known || pt.traffic == nil || q.namespace != ALBNamespace || len(q.dims) != 2 ||
		(q.unit != "" && q.unit != unit) || q.period < 60 {
		return nil
	}
	start := req.start.UTC().Truncate(time.Minute)
	// Minutes are published once over, and kept for the retention.
	first, last := now.Add(-retention).Truncate(time.Minute), now.Truncate(time.Minute)
	end := req.end
	if end.After(last) {
		end = last
	}
	period := time.Duration(q.period) * time.Second
	b := start
	if b.Before(first) { // skip whole periods before the retention
		b = b.Add(first.Sub(b) / period * period)
	}
	var out []point
	for ; b.Before(end); b = b.Add(period) {
		var ss []sample
		for m := b; m.Before(b.Add(period)) && m.Before(end); m = m.Add(time.Minute) {
			if m.Before(first) {
				continue
			}
			tr := pt.trafficAt(tg, m)
			if !tr.ok {
				continue
			}
			if s, ok := minuteSample(q.metric, tr.requests, tr.errs, tr.p99); ok {
				ss = append(ss, s)
			}
		}
		if len(ss) > 0 {
			if v := statistic(q.stat, ss); !math.IsNaN(v) {
				out = append(out, point{b, v})
			}
		}
	}
	return out
}

// encodePage is the page of the answer starting at datapoint from (counted
// across the queries in order), at most req.maxPoints long. Every query
// has a result on every page; one with datapoints beyond the page says
// PartialData, and NextToken leads on.
func encodePage(all []series, from int, req *request) []byte {
	results := cbor.List{}
	pos, budget, more := 0, req.maxPoints, false
	for _, s := range all {
		lo := min(max(from-pos, 0), len(s.points))
		hi := min(lo+budget, len(s.points))
		budget -= hi - lo
		pos += len(s.points)
		status := s.status
		if hi < len(s.points) {
			more = true
			if status == "" {
				status = "PartialData"
			}
		}
		results = append(results, encodeResult(s, s.points[lo:hi], status))
	}
	out := cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
	if more {
		out["NextToken"] = cbor.String(req.token(from + req.maxPoints - budget))
	}
	return cbor.Encode(out)
}

func encodeResult(s series, pts []point, status string) cbor.Map {
	if status == "" {
		status = "Complete"
	}
	label := s.q.label
	if label == "" {
		label = s.q.metric
	}
	ts, vs := cbor.List{}, cbor.List{}
	for _, p := range pts {
		ts = append(ts, &cbor.Tag{ID: 1, Value: cbor.Float64(float64(p.t.Unix()))})
		vs = append(vs, cbor.Float64(p.v))
	}
	m := cbor.Map{"Id": cbor.String(s.q.id), "Label": cbor.String(label), "StatusCode": cbor.String(status),
		"Timestamps": ts, "Values": vs}
	if len(s.messages) > 0 {
		ms := cbor.List{}
		for _, msg := range s.messages {
			ms = append(ms, cbor.Map{"Code": cbor.String(msg[0]), "Value": cbor.String(msg[1])})
		}
		m["Messages"] = ms
	}
	return m
}

// --- NextToken: the offset, bound to the request it continues ---

const tokenPrefix = "fdsim1."

func (req *request) token(offset int) string {
	raw := strconv.Itoa(offset) + "." + req.fingerprint()
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// tokenOffset is where NextToken says the page starts; 0 without one.
func (req *request) tokenOffset() (int, *apiError) {
	if req.nextToken == "" {
		return 0, nil
	}
	bad := &apiError{http.StatusBadRequest, "InvalidNextToken", "Sender", "The service cannot process the NextToken given."}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(req.nextToken, tokenPrefix))
	if err != nil || !strings.HasPrefix(req.nextToken, tokenPrefix) {
		return 0, bad
	}
	off, fp, ok := strings.Cut(string(raw), ".")
	n, err := strconv.Atoi(off)
	if !ok || err != nil || n < 0 || fp != req.fingerprint() {
		return 0, bad
	}
	return n, nil
}

// fingerprint identifies what a request asks for, apart from the token
// and page size.
func (req *request) fingerprint() string {
	h := fnv.New64a()
	fmt.Fprint(h, req.start.Unix(), req.end.Unix(), req.ascending)
	for _, q := range req.queries {
		keys := make([]string, 0, len(q.dims))
		for k := range q.dims {
			keys = append(keys, k+"="+q.dims[k])
		}
		sort.Strings(keys)
		fmt.Fprintf(h, "|%q %q %q %q %d %q %q %v %v", q.id, q.expression, q.namespace, q.metric, q.period, q.stat, q.unit, q.returnData, keys)
	}
	return strconv.FormatUint(h.Sum64(), 36)
}
