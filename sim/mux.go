package sim

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/beanstalk"
	"github.com/airside-dev/flightdeck/sim/circleci"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/elbv2"
	"github.com/airside-dev/flightdeck/sim/github"
	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
	"github.com/airside-dev/flightdeck/sim/internal/rest"
	"github.com/airside-dev/flightdeck/sim/internal/tee"
)

// protocol is the wire family a request speaks; it decides the shape of
// every error and fault answer.
type protocol int

const (
	protoNone protocol = iota
	protoAWSJSON
	protoAWSQuery
	protoCBOR
	protoCircleCI
	protoGitHub
	protoStorage // the storage host logs are read from (no token, no faults)
)

// Fault keys, one per simulated backend.
const (
	SvcECS        = "ecs"
	SvcCircleCI   = "circleci"
	SvcGitHub     = "github"
	SvcBeanstalk  = "beanstalk"
	SvcELBv2      = "elbv2"
	SvcCloudWatch = "cloudwatch"
	// SvcStorage is the storage host CI logs are downloaded from, with no
	// token (CircleCI's step output, GitHub's job logs).
	SvcStorage = "storage"
)

var knownServices = []string{SvcECS, SvcCircleCI, SvcGitHub, SvcBeanstalk, SvcELBv2, SvcCloudWatch}

// storageFault answers an injected fault as a storage host does: a
// plain status with a short XML body (S3's and Azure's errors are XML).
func storageFault(rw http.ResponseWriter, _ *http.Request, _ string, kind faultkind.Kind, retry int) {
	status, code := http.StatusInternalServerError, "InternalError"
	switch kind {
	case faultkind.Throttle:
		status, code = http.StatusServiceUnavailable, "SlowDown"
		rw.Header().Set("Retry-After", fmt.Sprint(retry))
	case faultkind.Deny:
		status, code = http.StatusForbidden, "AccessDenied"
	}
	rw.Header().Set("Content-Type", "application/xml")
	rw.WriteHeader(status)
	fmt.Fprintf(rw, "<Error><Code>%s</Code><Message>injected by the sim</Message></Error>", code)
}

// route is where one request goes: which backend (for faults and counts),
// which operation, which protocol, and the handler that answers it.
type route struct {
	service string
	op      string
	proto   protocol
	serve   http.HandlerFunc
	fault   faultWriter // the part's answer to an injected fault; nil for a request no part serves
}

// faultWriter answers an injected fault to a request for op in the
// shape of the part that serves it (WriteFault of every part).
type faultWriter func(rw http.ResponseWriter, r *http.Request, op string, kind faultkind.Kind, retry int)

func (rt route) key() string {
	if rt.service == "" {
		return "unrouted:" + rt.op
	}
	return rt.service + ":" + rt.op
}

// Handler serves every simulated protocol on one mux, plus the control
// surface under /_sim/.
func (w *World) Handler() http.Handler { return http.HandlerFunc(w.serveHTTP) }

func (w *World) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sim" || strings.HasPrefix(r.URL.Path, "/_sim/") {
		w.serveControl(rw, r)
		return
	}
	rt := w.route(r)
	id := w.reqs.newID()
	switch rt.proto {
	case protoGitHub:
		rw.Header().Set("X-GitHub-Request-Id", strings.ToUpper(strings.ReplaceAll(id, "-", ""))[:20])
	case protoCircleCI:
		rw.Header().Set("X-Request-Id", id)
	default:
		awsproto.SetRequestID(rw.Header(), id)
	}
	w.reqs.count(rt.key())

	if check := w.check.Load(); check != nil && rt.service != "" {
		w.serveChecked(rw, r, rt, id, *check)
		return
	}
	w.serveRoute(rw, r, rt, id)
}

// serveRoute answers a routed request, faults first.
func (w *World) serveRoute(rw http.ResponseWriter, r *http.Request, rt route, id string) (checkable bool) {
	malformed, handled := w.applyFault(rw, r, rt, id)
	if handled {
		return true
	}
	if !malformed {
		rt.serve(rw, r)
		return true
	}
	buf := &bufferWriter{header: rw.Header()}
	rt.serve(buf, r)
	body := buf.body.Bytes()
	cut := len(body) / 2
	if cut == 0 {
		body, cut = []byte("{"), 1
	}
	rw.Header().Del("Content-Length")
	rw.Header().Del("X-Amzn-ErrorType")
	rw.WriteHeader(http.StatusOK)
	rw.Write(body[:cut])
	return false
}

// TrafficCheck judges the sim's traffic for a test (package sim/specs holds
// it to the published OpenAPI specs): given a request for a service, with
// its body, it returns what to call with the answer, or nil when it has
// nothing to say about that service. The type is unnamed (an alias) so a
// checker can name it without importing sim.
type TrafficCheck = func(service string, r *http.Request, body []byte) (answer func(status int, header http.Header, body []byte))

// SetTrafficCheck makes every request from now on pass c (nil: none). The
// checker lives in a test-only package so that its dependencies stay out
// of the product binary.
func (w *World) SetTrafficCheck(c TrafficCheck) {
	if c == nil {
		w.check.Store(nil)
		return
	}
	w.check.Store(&c)
}

// maxCheckedBody bounds what a checked request's body is read to.
const maxCheckedBody = 8 << 20

// serveChecked is serveRoute with the request and the answer shown to the
// traffic check. A truncated (malformed-fault) body or a dropped
// connection is broken on purpose and not shown.
func (w *World) serveChecked(rw http.ResponseWriter, r *http.Request, rt route, id string, check TrafficCheck) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxCheckedBody))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			rest.WriteJSON(rw, http.StatusBadRequest, map[string]string{"message": "could not read the request body: " + err.Error()})
			return
		}
	}
	answer := check(rt.service, r, body)
	if answer == nil {
		w.serveRoute(rw, r, rt, id)
		return
	}
	rec := tee.New(rw)
	if w.serveRoute(rec, r, rt, id) && rec.Wrote() {
		answer(rec.Status(), rw.Header(), rec.Body())
	}
}

// route classifies a request by protocol markers: X-Amz-Target for
// awsJson, the GraniteService path for CloudWatch's CBOR, /api/v2 for
// CircleCI, /repos and /rate_limit for GitHub, Action+Version for awsQuery.
func (w *World) route(r *http.Request) route {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		if op, ok := strings.CutPrefix(t, ecs.TargetPrefix); ok {
			return route{service: SvcECS, op: op, proto: protoAWSJSON, fault: w.ecs.WriteFault,
				serve: func(rw http.ResponseWriter, r *http.Request) { w.ecs.Serve(rw, r, op) }}
		}
		return route{op: t, proto: protoAWSJSON, serve: func(rw http.ResponseWriter, r *http.Request) {
			awsproto.WriteJSONError(rw, awsproto.NewError(400, "UnknownOperationException", "The flightdeck sim does not serve target "+t+"."))
		}}
	}
	p := r.URL.Path
	if op, ok := strings.CutPrefix(p, cloudwatch.PathPrefix); ok {
		return route{service: SvcCloudWatch, op: op, proto: protoCBOR, fault: w.cloudwatch.WriteFault,
			serve: func(rw http.ResponseWriter, r *http.Request) { w.cloudwatch.Serve(rw, r, op) }}
	}
	if strings.HasPrefix(p, "/api/v1.1/") {
		op, serve := w.circle.RouteV1(r)
		return route{service: SvcCircleCI, op: op, proto: protoCircleCI, serve: serve, fault: w.circle.WriteFault}
	}
	if strings.HasPrefix(p, circleci.OutputPrefix) {
		return route{service: SvcStorage, op: "circleci-output", proto: protoStorage, serve: w.circle.ServeOutput, fault: storageFault}
	}
	if strings.HasPrefix(p, github.LogPrefix) {
		return route{service: SvcStorage, op: "github-log", proto: protoStorage, serve: w.github.ServeLog, fault: storageFault}
	}
	if p == "/api/v2" || strings.HasPrefix(p, "/api/v2/") {
		op, serve := w.circle.Route(r)
		return route{service: SvcCircleCI, op: op, proto: protoCircleCI, serve: serve, fault: w.circle.WriteFault}
	}
	if gp := strings.TrimPrefix(p, "/api/v3"); strings.HasPrefix(gp, "/repos/") || gp == "/rate_limit" {
		op, serve := w.github.Route(r, gp)
		return route{service: SvcGitHub, op: op, proto: protoGitHub, serve: serve, fault: w.github.WriteFault}
	}
	if awsproto.IsQuery(r) {
		if err := r.ParseForm(); err == nil {
			action := r.Form.Get("Action")
			switch r.Form.Get("Version") {
			case beanstalk.Version:
				return route{service: SvcBeanstalk, op: action, proto: protoAWSQuery, fault: w.beanstalk.WriteFault,
					serve: func(rw http.ResponseWriter, r *http.Request) { w.beanstalk.Serve(rw, r, action) }}
			case elbv2.Version:
				return route{service: SvcELBv2, op: action, proto: protoAWSQuery, fault: w.elbv2.WriteFault,
					serve: func(rw http.ResponseWriter, r *http.Request) { w.elbv2.Serve(rw, r, action) }}
			}
			return route{op: action, proto: protoAWSQuery, serve: func(rw http.ResponseWriter, r *http.Request) {
				awsproto.WriteQueryError(rw, "", 400, "Sender", "InvalidAction",
					"The flightdeck sim serves awsQuery only for Version 2010-12-01 (Elastic Beanstalk) and 2015-12-01 (ELBv2).")
			}}
		}
	}
	return route{op: r.Method + " " + p, proto: protoNone, serve: func(rw http.ResponseWriter, r *http.Request) {
		rest.WriteJSON(rw, http.StatusNotFound, map[string]string{"message": "Not Found: the flightdeck sim has no route for " + r.Method + " " + r.URL.Path})
	}}
}

// bufferWriter captures a response so a malformed-body fault can cut it.
type bufferWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

// --- request log ---

// requestLog counts requests per "service:Operation" and remembers request
// members the sim did not understand (for tests). It also mints request IDs
// from its own random source so that reading the world never changes it.
type requestLog struct {
	mu      sync.Mutex
	counts  map[string]int
	unknown map[string]map[string]bool
	rng     *rand.Rand
}

func (l *requestLog) init(seed int64) {
	l.counts = map[string]int{}
	l.unknown = map[string]map[string]bool{}
	l.rng = rand.New(rand.NewPCG(uint64(seed), 0x4e9_1d5))
}

func (l *requestLog) newID() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ids.UUID(l.rng)
}

func (l *requestLog) count(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[key]++
}

func (l *requestLog) noteUnknown(op, member string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.unknown[op] == nil {
		l.unknown[op] = map[string]bool{}
	}
	l.unknown[op][member] = true
}

// Requests returns how many requests each operation received, keyed like
// "ecs:DescribeServices" (faulted ones included, /_sim/ ones not).
func (w *World) Requests() map[string]int {
	w.reqs.mu.Lock()
	defer w.reqs.mu.Unlock()
	return maps.Clone(w.reqs.counts)
}

// ResetRequests zeroes the request counts, and GitHubUsage's (the rate
// limit's budget is the world's, and stays as it is).
func (w *World) ResetRequests() {
	w.reqs.mu.Lock()
	clear(w.reqs.counts)
	w.reqs.mu.Unlock()
	w.github.ResetUsage()
}

// unknownMembers lists, per operation, request members the sim ignored.
func (w *World) unknownMembers() map[string][]string {
	w.reqs.mu.Lock()
	defer w.reqs.mu.Unlock()
	out := map[string][]string{}
	for op, ms := range w.reqs.unknown {
		for m := range ms {
			out[op] = append(out[op], m)
		}
	}
	return out
}
