package cloudwatch

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/airside-dev/flightdeck/sim/awsproto"
)

// Limits GetMetricData keeps (the API reference: 500 queries a call,
// 100,800 datapoints a page by default).
const (
	maxQueries       = 500
	defaultMaxPoints = 100800
)

// request is a GetMetricData input, decoded and checked.
type request struct {
	start, end time.Time
	queries    []query
	nextToken  string
	maxPoints  int
	ascending  bool // ScanBy TimestampAscending; CloudWatch's default is newest first
}

// query is one MetricDataQuery.
type query struct {
	id, label, expression string
	hasStat               bool
	namespace, metric     string
	dims                  map[string]string
	period                int64
	stat, unit            string
	returnData            bool
}

// apiError is an error answer: status, code, fault and message.
type apiError struct {
	status      int
	code, fault string
	msg         string
}

func validation(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", "Sender", fmt.Sprintf(format, a...)}
}

func missing(param string) *apiError {
	return &apiError{http.StatusBadRequest, "MissingParameter", "Sender", "The parameter " + param + " is required."}
}

func serialization(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, "SerializationException", "Sender", fmt.Sprintf(format, a...)}
}

func (e *apiError) write(rw http.ResponseWriter) {
	awsproto.WriteCBORError(rw, Namespace, e.status, e.code, e.fault, e.msg)
}

// readRequest decodes and checks a GetMetricData body. The messages are
// CloudWatch's where we have seen them ("The parameter StartTime is
// required.", "The collection MetricDataQueries must not have a size
// greater than 500.", "The value X for parameter
// MetricDataQueries.member.N.MetricStat.Stat is not a valid statistic.",
// "The parameter StartTime must not equal parameter EndTime."); the rest
// are written in the same style.
func readRequest(r *http.Request) (*request, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, serialization("could not read the request body: %v", err)
	}
	m := cbor.Map{}
	if len(body) > 0 {
		v, err := cbor.Decode(body)
		if err != nil {
			return nil, serialization("the request body is not CBOR: %v", err)
		}
		if m, err = asMap(v, "GetMetricDataInput"); err != nil {
			return nil, serialization("%v", err)
		}
	}
	req, e := decodeInput(m)
	if e != nil {
		return nil, e
	}
	return req, req.check()
}

// decodeInput reads the input's members; a member of the wrong type is a
// SerializationException, as a real server's deserializer would say.
func decodeInput(m cbor.Map) (*request, *apiError) {
	req := &request{maxPoints: defaultMaxPoints}
	var err error
	if v, ok := present(m, "StartTime"); ok {
		if req.start, err = cbor.AsTime(v); err != nil {
			return nil, serialization("StartTime: %v", err)
		}
	} else {
		return nil, missing("StartTime")
	}
	if v, ok := present(m, "EndTime"); ok {
		if req.end, err = cbor.AsTime(v); err != nil {
			return nil, serialization("EndTime: %v", err)
		}
	} else {
		return nil, missing("EndTime")
	}
	if req.nextToken, err = optString(m, "NextToken"); err != nil {
		return nil, serialization("%v", err)
	}
	if v, ok := present(m, "MaxDatapoints"); ok {
		n, err := cbor.AsInt32(v)
		if err != nil {
			return nil, serialization("MaxDatapoints: %v", err)
		}
		if n > 0 {
			req.maxPoints = int(n)
		}
	}
	scan, err := optString(m, "ScanBy")
	if err != nil {
		return nil, serialization("%v", err)
	}
	switch scan {
	case "", "TimestampDescending":
	case "TimestampAscending":
		req.ascending = true
	default:
		return nil, validation("The value %s for parameter ScanBy is not valid.", scan)
	}
	v, ok := present(m, "MetricDataQueries")
	if !ok {
		return nil, missing("MetricDataQueries")
	}
	list, isList := v.(cbor.List)
	if !isList {
		return nil, serialization("MetricDataQueries: expected a list, got %T", v)
	}
	if len(list) > maxQueries {
		return nil, validation("The collection MetricDataQueries must not have a size greater than %d.", maxQueries)
	}
	for i, item := range list {
		q, e := decodeQuery(item, i+1)
		if e != nil {
			return nil, e
		}
		req.queries = append(req.queries, q)
	}
	return req, nil
}

func decodeQuery(v cbor.Value, n int) (query, *apiError) {
	at := fmt.Sprintf("MetricDataQueries.member.%d", n)
	q := query{returnData: true}
	m, err := asMap(v, at)
	if err != nil {
		return q, serialization("%v", err)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"Id", &q.id}, {"Label", &q.label}, {"Expression", &q.expression}} {
		if *f.dst, err = optString(m, f.key); err != nil {
			return q, serialization("%s.%v", at, err)
		}
	}
	if q.id == "" {
		return q, missing(at + ".Id")
	}
	if rd, ok := present(m, "ReturnData"); ok {
		b, isBool := rd.(cbor.Bool)
		if !isBool {
			return q, serialization("%s.ReturnData: expected a boolean, got %T", at, rd)
		}
		q.returnData = bool(b)
	}
	if ms, ok := present(m, "MetricStat"); ok {
		q.hasStat = true
		if e := decodeStat(&q, ms, at+".MetricStat"); e != nil {
			return q, e
		}
	}
	if q.hasStat == (q.expression != "") {
		return q, validation("The parameter %s must contain exactly one of MetricStat and Expression.", at)
	}
	return q, nil
}

func decodeStat(q *query, v cbor.Value, at string) *apiError {
	m, err := asMap(v, at)
	if err != nil {
		return serialization("%v", err)
	}
	if q.stat, err = optString(m, "Stat"); err != nil {
		return serialization("%s.%v", at, err)
	}
	if q.unit, err = optString(m, "Unit"); err != nil {
		return serialization("%s.%v", at, err)
	}
	p, ok := present(m, "Period")
	if !ok {
		return missing(at + ".Period")
	}
	if q.period, err = cbor.AsInt64(p); err != nil {
		return serialization("%s.Period: %v", at, err)
	}
	mv, ok := present(m, "Metric")
	if !ok {
		return missing(at + ".Metric")
	}
	metric, err := asMap(mv, at+".Metric")
	if err != nil {
		return serialization("%v", err)
	}
	if q.namespace, err = optString(metric, "Namespace"); err != nil {
		return serialization("%s.Metric.%v", at, err)
	}
	if q.metric, err = optString(metric, "MetricName"); err != nil {
		return serialization("%s.Metric.%v", at, err)
	}
	if q.stat == "" {
		return missing(at + ".Stat")
	}
	return decodeDims(q, metric, at+".Metric.Dimensions")
}

func decodeDims(q *query, metric cbor.Map, at string) *apiError {
	q.dims = map[string]string{}
	dv, ok := present(metric, "Dimensions")
	if !ok {
		return nil
	}
	list, isList := dv.(cbor.List)
	if !isList {
		return serialization("%s: expected a list, got %T", at, dv)
	}
	if len(list) > 30 {
		return validation("The collection %s must not have a size greater than 30.", at)
	}
	for i, d := range list {
		dm, err := asMap(d, fmt.Sprintf("%s.member.%d", at, i+1))
		if err != nil {
			return serialization("%v", err)
		}
		name, err1 := optString(dm, "Name")
		value, err2 := optString(dm, "Value")
		if err1 != nil || err2 != nil || name == "" || value == "" {
			return missing(fmt.Sprintf("%s.member.%d.Name and Value", at, i+1))
		}
		q.dims[name] = value
	}
	return nil
}

// check is what CloudWatch refuses once the input is read.
func (req *request) check() *apiError {
	if req.start.Equal(req.end) {
		return validation("The parameter StartTime must not equal parameter EndTime.")
	}
	if req.start.After(req.end) {
		return validation("The parameter StartTime must be less than the parameter EndTime.")
	}
	var bad []string
	for i, q := range req.queries {
		if !q.hasStat {
			continue
		}
		at := fmt.Sprintf("MetricDataQueries.member.%d.MetricStat", i+1)
		switch {
		case q.period <= 0 || (q.period < 60 && !highResolution(q.period)):
			bad = append(bad, fmt.Sprintf("The parameter %s.Period must be a value in the set [ 1, 5, 10, 20, 30 ] or a multiple of 60.", at))
		case q.period >= 60 && q.period%60 != 0:
			bad = append(bad, fmt.Sprintf("The parameter %s.Period must be a multiple of 60.", at))
		}
		if !validStat(q.stat) {
			bad = append(bad, fmt.Sprintf("The value %s for parameter %s.Stat is not a valid statistic.", q.stat, at))
		}
	}
	if len(bad) > 0 {
		// CloudWatch lists every bad query, one line each.
		return validation("%s", strings.Join(bad, "\n"))
	}
	return nil
}

// highResolution periods are allowed below a minute (for metrics stored
// at one second; the ALB's are not, so they have no datapoints there).
func highResolution(p int64) bool { return p == 1 || p == 5 || p == 10 || p == 20 || p == 30 }

var (
	percentileStat = regexp.MustCompile(`^p(100|[0-9]{1,2}(\.[0-9]{1,10})?)$`)
	// trimmedStat are CloudWatch's other extended statistics: valid, but
	// not computed by the sim (their results say so).
	trimmedStat = regexp.MustCompile(`^(?i:(tm|wm|tc|ts|pr)[0-9(]|iqm$)`)
)

func validStat(s string) bool {
	switch s {
	case "SampleCount", "Average", "Sum", "Minimum", "Maximum":
		return true
	}
	return percentileStat.MatchString(s) || trimmedStat.MatchString(s)
}

// --- CBOR reading helpers ---

func asMap(v cbor.Value, at string) (cbor.Map, error) {
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("%s: expected a map, got %T", at, v)
	}
	return m, nil
}

// present is m[k] unless absent or null (CBOR null is "not set").
func present(m cbor.Map, k string) (cbor.Value, bool) {
	v, ok := m[k]
	if !ok {
		return nil, false
	}
	switch v.(type) {
	case *cbor.Nil, *cbor.Undefined:
		return nil, false
	}
	return v, true
}

func optString(m cbor.Map, k string) (string, error) {
	v, ok := present(m, k)
	if !ok {
		return "", nil
	}
	s, isStr := v.(cbor.String)
	if !isStr {
		return "", fmt.Errorf("%s: expected a string, got %T", k, v)
	}
	return string(s), nil
}
