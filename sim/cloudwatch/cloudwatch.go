// Package cloudwatch is the CloudWatch part of the simulated world, over
// Smithy RPC v2 CBOR: POST /service/GraniteServiceVersion20100801/operation/<Op>,
// CBOR maps both ways, timestamps as tag 1. It answers GetMetricData for
// the Application Load Balancer's target-group metrics (namespace
// AWS/ApplicationELB, dimensions LoadBalancer and TargetGroup):
// RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime, every
// statistic CloudWatch offers for them but the trimmed means. Every other
// operation is "not implemented yet".
//
// The metrics hold no state of their own: each minute's datapoint is a
// pure function of a Traffic source the world supplies (WeightedTraffic
// turns listener weights and each version's behaviour into one), read at
// the time of the request, so reading metrics never moves the world.
package cloudwatch

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// PathPrefix routes here; the operation follows it.
const PathPrefix = "/service/GraniteServiceVersion20100801/operation/"

// Namespace prefixes CloudWatch's error codes in __type.
const Namespace = "com.amazonaws.cloudwatch"

// ALBNamespace is the metric namespace of Application Load Balancers.
const ALBNamespace = "AWS/ApplicationELB"

// The metrics the part publishes for each target group.
const (
	MetricRequestCount = "RequestCount"
	MetricTarget5XX    = "HTTPCode_Target_5XX_Count"
	MetricResponseTime = "TargetResponseTime"
)

// Traffic is what flowed through one target group in one minute (the
// minute starting at minute, UTC): requests answered, how many of them
// with a 5xx from the targets, and the p99 response time in seconds. ok
// is false for a minute with no traffic, which has no datapoints. It is
// called with the world's lock held and must not draw on the world's
// random source: the same question gets the same answer. It is asked
// about past minutes, possibly for the first time long after them, so it
// must answer for a minute as things were then (weights and versions by
// their history, not as they are now); the part keeps each answer.
type Traffic interface {
	Traffic(tgARN string, minute time.Time) (requests, errors5xx, p99Seconds float64, ok bool)
}

// TrafficFunc is a function that is a Traffic.
type TrafficFunc func(tgARN string, minute time.Time) (requests, errors5xx, p99Seconds float64, ok bool)

// Traffic calls f.
func (f TrafficFunc) Traffic(tgARN string, minute time.Time) (float64, float64, float64, bool) {
	return f(tgARN, minute)
}

// Part is the CloudWatch service of one world.
type Part struct {
	lock sync.Locker      // the world's lock (the loop), or the part's own
	now  func() time.Time // the world's time

	traffic Traffic
	// seen keeps each minute once read: a finished minute's datapoints
	// never change in CloudWatch, whatever the source says later.
	seen map[string]map[int64]minute
	// groups are the published target groups, by their dimension pair.
	groups map[dims]string // → target group ARN
	// status, when set, is the StatusCode every result carries, with
	// statusMsg as its message: CloudWatch having trouble.
	status, statusMsg string
}

// minute is one group's traffic in one minute.
type minute struct {
	requests, errs, p99 float64
	ok                  bool
}

// dims is the LoadBalancer and TargetGroup dimension values of a metric.
type dims struct{ lb, tg string }

// New is a CloudWatch with no metrics, on the world's loop.
func New(l *loop.Loop) *Part { return newPart(l, l.Now) }

// NewStandalone is a CloudWatch outside any world, on its own lock and
// the given clock: for tests and tools that need only metrics. Serve it
// with Handler.
func NewStandalone(now func() time.Time) *Part { return newPart(&sync.Mutex{}, now) }

func newPart(l sync.Locker, now func() time.Time) *Part {
	return &Part{lock: l, now: now, groups: map[dims]string{}, seen: map[string]map[int64]minute{}}
}

// SetTraffic sets where the metrics come from (nil publishes none), and
// forgets the minutes read so far. With a world, call it with the loop
// held (the world's methods do).
func (pt *Part) SetTraffic(t Traffic) {
	pt.traffic, pt.seen = t, map[string]map[int64]minute{}
}

// trafficAt is the group's minute m, read from the source once.
func (pt *Part) trafficAt(tg string, m time.Time) minute {
	byMinute := pt.seen[tg]
	if byMinute == nil {
		byMinute = map[int64]minute{}
		pt.seen[tg] = byMinute
	}
	k := m.Unix() / 60
	got, ok := byMinute[k]
	if !ok {
		got.requests, got.errs, got.p99, got.ok = pt.traffic.Traffic(tg, m)
		byMinute[k] = got
	}
	return got
}

// Publish makes the target group's metrics exist under its load
// balancer, as an ALB publishes them once the group is attached to one of
// its listeners. The ARNs are ELBv2's; the dimension values are their
// suffixes.
func (pt *Part) Publish(lbARN, tgARN string) {
	pt.groups[dims{lb: lbSuffix(lbARN), tg: tgSuffix(tgARN)}] = tgARN
}

// SetStatus makes every result carry code (PartialData, InternalError,
// Forbidden) with message, as CloudWatch does when it could not read
// everything; "" ends it.
func (pt *Part) SetStatus(code, message string) { pt.status, pt.statusMsg = code, message }

// Locked runs fn with the part's lock held, for a standalone part's
// owner (SetTraffic, Publish, SetStatus).
func (pt *Part) Locked(fn func()) {
	pt.lock.Lock()
	defer pt.lock.Unlock()
	fn()
}

// lbSuffix is the LoadBalancer dimension of a load balancer ARN: what
// follows "loadbalancer/" (app/<name>/<id>).
func lbSuffix(arn string) string {
	if _, s, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return s
	}
	return arn
}

// tgSuffix is the TargetGroup dimension of a target group ARN: from
// "targetgroup/" on.
func tgSuffix(arn string) string {
	if i := strings.Index(arn, ":targetgroup/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// Serve answers one request for op.
func (pt *Part) Serve(rw http.ResponseWriter, r *http.Request, op string) {
	if op != "GetMetricData" {
		awsproto.WriteCBORError(rw, Namespace, http.StatusBadRequest, "InvalidAction", "Sender",
			"The operation "+op+" is not implemented by the flightdeck sim yet (CloudWatch).")
		return
	}
	pt.serveGetMetricData(rw, r)
}

// Handler serves a standalone part: the CBOR path, a request id on
// every answer.
func (pt *Part) Handler() http.Handler {
	var n sync.Mutex
	id := 0
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n.Lock()
		id++
		awsproto.SetRequestID(rw.Header(), "cw-"+strconv.Itoa(id))
		n.Unlock()
		op, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
		if !ok || r.Method != http.MethodPost {
			awsproto.WriteCBORError(rw, Namespace, http.StatusNotFound, "UnknownOperationException", "Sender", "No route for "+r.Method+" "+r.URL.Path)
			return
		}
		pt.Serve(rw, r, op)
	})
}

// WriteFault answers an injected fault in CloudWatch's shape.
func (pt *Part) WriteFault(rw http.ResponseWriter, _ *http.Request, op string, kind faultkind.Kind, _ int) {
	switch kind {
	case faultkind.ServerError:
		awsproto.WriteCBORError(rw, Namespace, 500, "InternalServiceFault", "Receiver", "Internal service error (injected by the flightdeck sim).")
	case faultkind.Throttle:
		awsproto.WriteCBORError(rw, Namespace, 400, "Throttling", "Sender", "Rate exceeded")
	case faultkind.Deny:
		awsproto.WriteCBORError(rw, Namespace, 403, "AccessDenied", "Sender", "User is not authorized to perform: cloudwatch:"+op)
	}
}
