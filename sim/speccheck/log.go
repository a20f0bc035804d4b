package speccheck

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/airside-dev/flightdeck/sim/internal/tee"
)

// Violation is one way a request or a response broke its spec.
type Violation struct {
	Spec      string // the name given to Load
	Method    string
	Path      string // as requested, escaped
	Operation string // operationId; "" when the request matched none
	Response  bool   // false: the request broke the spec; true: the answer did
	Status    int    // the response status, when Response
	Problem   string
}

func (v Violation) String() string {
	side := "request"
	if v.Response {
		side = fmt.Sprintf("response %d", v.Status)
	}
	op := v.Operation
	if op == "" {
		op = "no operation"
	}
	return fmt.Sprintf("%s %s %s (%s, %s): %s", v.Spec, v.Method, v.Path, op, side, v.Problem)
}

// Log collects violations from many goroutines and counts what was checked.
type Log struct {
	mu         sync.Mutex
	violations []Violation
	requests   map[string]int // by spec name
	responses  map[string]int
}

// NewLog returns an empty log.
func NewLog() *Log {
	return &Log{requests: map[string]int{}, responses: map[string]int{}}
}

// Request checks one request and records the outcome. It returns the
// matched operation for Response (nil when none matched).
func (l *Log) Request(s *Spec, r *http.Request, body []byte) *Operation {
	op, problems := s.CheckRequest(r, body)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests[s.name]++
	for _, p := range problems {
		l.violations = append(l.violations, Violation{Spec: s.name, Method: r.Method, Path: r.URL.EscapedPath(), Operation: op.ID(), Problem: p})
	}
	return op
}

// Response checks the answer to a request Request matched and records it.
func (l *Log) Response(op *Operation, status int, header http.Header, body []byte) {
	if op == nil {
		return
	}
	problems := op.CheckResponse(status, header, body)
	r := op.input.Request
	l.mu.Lock()
	defer l.mu.Unlock()
	l.responses[op.spec.name]++
	for _, p := range problems {
		l.violations = append(l.violations, Violation{Spec: op.spec.name, Method: r.Method, Path: r.URL.EscapedPath(),
			Operation: op.ID(), Response: true, Status: status, Problem: p})
	}
}

// Violations returns what was recorded so far, in order.
func (l *Log) Violations() []Violation {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Violation(nil), l.violations...)
}

// Checked says how many requests and responses of a spec were checked, so
// a test can tell "no violations" from "nothing was looked at".
func (l *Log) Checked(spec string) (requests, responses int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.requests[spec], l.responses[spec]
}

// Reset forgets violations and counts.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.violations = nil
	clear(l.requests)
	clear(l.responses)
}

// TB is the part of testing.TB the log reports to; *testing.T fits.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Report fails t once per violation (at most 50, then a count), naming
// each; it reports nothing for a clean log.
func (l *Log) Report(t TB) {
	t.Helper()
	vs := l.Violations()
	for i, v := range vs {
		if i == 50 {
			t.Errorf("… and %d more spec violations", len(vs)-i)
			break
		}
		t.Errorf("spec violation: %s", v)
	}
}

// Handler checks every request to next and every answer next gives, for
// fakes other than the sim that want the same judge.
func (l *Log) Handler(s *Spec, next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := ReadBody(r)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		op := l.Request(s, r, body)
		rec := NewRecorder(rw)
		next.ServeHTTP(rec, r)
		if rec.Wrote() {
			l.Response(op, rec.Status(), rw.Header(), rec.Body())
		}
	})
}

// ReadBody reads r's body in full and puts an unread copy back.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// Recorder passes a response through to the client and keeps a copy of
// its status and body for Response.
type Recorder = tee.Writer

// NewRecorder wraps rw.
func NewRecorder(rw http.ResponseWriter) *Recorder { return tee.New(rw) }
