package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/github"
	"github.com/airside-dev/flightdeck/sim/internal/rest"
)

// The control surface, JSON under /_sim/, for e2e tests and standalone
// users: faults on and off, request counts, the world's clock.
//
//	GET    /_sim/            what the sim is: seed, speed, scenario, world time, endpoints
//	GET    /_sim/faults      faults in force
//	POST   /_sim/faults      {"service":"ecs","throttle_rate":1,"until":"2026-…Z"} sets, {"service":"ecs"} clears;
//	                         fields: latency (or latency_ms), error_rate, throttle_rate, drop_rate,
//	                         malformed_rate, deny_rate, lose_rate (0..1), until or for
//	DELETE /_sim/faults      clears every fault
//	GET    /_sim/requests    {"ecs:DescribeServices": 12, …}
//	DELETE /_sim/requests    zeroes the counts (POST /_sim/requests/reset does too)
//	GET    /_sim/github      GitHub's rate-limit budget and what requests cost (GitHubUsage)

// FaultSpec is a fault as the control surface reads and writes it.
type FaultSpec struct {
	Service       string  `json:"service"`
	Latency       string  `json:"latency,omitempty"` // Go duration: "250ms"
	LatencyMS     int64   `json:"latency_ms,omitempty"`
	ErrorRate     float64 `json:"error_rate,omitempty"`
	ThrottleRate  float64 `json:"throttle_rate,omitempty"`
	DropRate      float64 `json:"drop_rate,omitempty"`
	MalformedRate float64 `json:"malformed_rate,omitempty"`
	DenyRate      float64 `json:"deny_rate,omitempty"`
	LoseRate      float64 `json:"lose_rate,omitempty"` // handled, then the answer is lost (Fault.LoseRate)
	Until         string  `json:"until,omitempty"`     // RFC 3339
	For           string  `json:"for,omitempty"`       // Go duration from now, instead of until
}

// Fault turns the spec into a Fault, with now for "for".
func (s FaultSpec) Fault(now time.Time) (Fault, error) {
	f := Fault{
		ErrorRate: s.ErrorRate, ThrottleRate: s.ThrottleRate, DropRate: s.DropRate,
		MalformedRate: s.MalformedRate, DenyRate: s.DenyRate, LoseRate: s.LoseRate,
		Latency: time.Duration(s.LatencyMS) * time.Millisecond,
	}
	for name, r := range map[string]float64{"error_rate": s.ErrorRate, "throttle_rate": s.ThrottleRate,
		"drop_rate": s.DropRate, "malformed_rate": s.MalformedRate, "deny_rate": s.DenyRate, "lose_rate": s.LoseRate} {
		if r < 0 || r > 1 {
			return Fault{}, fmt.Errorf("%s must be between 0 and 1, not %v", name, r)
		}
	}
	if s.Latency != "" {
		d, err := time.ParseDuration(s.Latency)
		if err != nil || d < 0 {
			return Fault{}, fmt.Errorf("latency %q is not a duration such as 250ms", s.Latency)
		}
		f.Latency = d
	}
	switch {
	case s.Until != "" && s.For != "":
		return Fault{}, fmt.Errorf("give until or for, not both")
	case s.Until != "":
		t, err := time.Parse(time.RFC3339Nano, s.Until)
		if err != nil {
			return Fault{}, fmt.Errorf("until %q is not an RFC 3339 time", s.Until)
		}
		f.Until = t
	case s.For != "":
		d, err := time.ParseDuration(s.For)
		if err != nil || d <= 0 {
			return Fault{}, fmt.Errorf("for %q is not a positive duration such as 30s", s.For)
		}
		f.Until = now.Add(d)
	}
	return f, nil
}

func specOf(service string, f Fault) FaultSpec {
	s := FaultSpec{Service: service, ErrorRate: f.ErrorRate, ThrottleRate: f.ThrottleRate, DropRate: f.DropRate,
		MalformedRate: f.MalformedRate, DenyRate: f.DenyRate, LoseRate: f.LoseRate}
	if f.Latency > 0 {
		s.Latency = f.Latency.String()
	}
	if !f.Until.IsZero() {
		s.Until = f.Until.UTC().Format(time.RFC3339Nano)
	}
	return s
}

func (w *World) serveControl(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_sim", "/_sim/":
		if r.Method != http.MethodGet {
			controlError(rw, http.StatusMethodNotAllowed, "use GET")
			return
		}
		rest.WriteJSON(rw, http.StatusOK, map[string]any{
			"name": "flightdeck sim", "seed": w.seed, "speed": w.loop.Speed(), "scenario": w.scenario,
			"world_time": w.Now().Format(time.RFC3339Nano), "services": knownServices,
			"endpoints": []string{"GET /_sim/faults", "POST /_sim/faults", "DELETE /_sim/faults",
				"GET /_sim/requests", "DELETE /_sim/requests", "POST /_sim/requests/reset", "GET /_sim/github"},
		})
	case "/_sim/faults":
		w.controlFaults(rw, r)
	case "/_sim/requests":
		switch r.Method {
		case http.MethodGet:
			rest.WriteJSON(rw, http.StatusOK, w.Requests())
		case http.MethodDelete:
			w.ResetRequests()
			rest.WriteJSON(rw, http.StatusOK, map[string]int{})
		default:
			controlError(rw, http.StatusMethodNotAllowed, "use GET or DELETE")
		}
	case "/_sim/github":
		if r.Method != http.MethodGet {
			controlError(rw, http.StatusMethodNotAllowed, "use GET")
			return
		}
		rest.WriteJSON(rw, http.StatusOK, w.GitHubUsage())
	case "/_sim/requests/reset":
		if r.Method != http.MethodPost {
			controlError(rw, http.StatusMethodNotAllowed, "use POST")
			return
		}
		w.ResetRequests()
		rest.WriteJSON(rw, http.StatusOK, map[string]int{})
	default:
		controlError(rw, http.StatusNotFound, "no such control endpoint: "+r.URL.Path)
	}
}

func (w *World) controlFaults(rw http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.writeFaults(rw)
	case http.MethodDelete:
		w.faults.mu.Lock()
		clear(w.faults.faults)
		w.faults.mu.Unlock()
		w.writeFaults(rw)
	case http.MethodPost:
		var spec FaultSpec
		dec := json.NewDecoder(http.MaxBytesReader(rw, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			controlError(rw, http.StatusBadRequest, "bad fault: "+err.Error())
			return
		}
		if spec.Service != AllServices && !slices.Contains(knownServices, spec.Service) {
			controlError(rw, http.StatusBadRequest, fmt.Sprintf("unknown service %q: use one of %v or %q", spec.Service, knownServices, AllServices))
			return
		}
		f, err := spec.Fault(w.clock.Now())
		if err != nil {
			controlError(rw, http.StatusBadRequest, err.Error())
			return
		}
		w.SetFault(spec.Service, f)
		w.writeFaults(rw)
	default:
		controlError(rw, http.StatusMethodNotAllowed, "use GET, POST or DELETE")
	}
}

func (w *World) writeFaults(rw http.ResponseWriter) {
	faults := w.Faults()
	out := []FaultSpec{}
	for _, svc := range append(slices.Clone(knownServices), AllServices) {
		if f, ok := faults[svc]; ok {
			out = append(out, specOf(svc, f))
		}
	}
	rest.WriteJSON(rw, http.StatusOK, map[string]any{"faults": out})
}

// GitHubUsage is the sim's GitHub rate limit and what requests have cost,
// for tests: a client using conditional requests well shows NotModified
// growing while Counted does not.
type GitHubUsage = github.Usage

// GitHubUsage reports the GitHub token's rate-limit budget and the request
// costs counted since the world started (or ResetRequests).
func (w *World) GitHubUsage() GitHubUsage { return w.github.Usage() }

// SetGitHubRateRemaining sets what is left of the GitHub token's budget
// this hour, so a test reaches the limit without 5000 requests.
func (w *World) SetGitHubRateRemaining(n int) { w.github.SetRateRemaining(n) }

func controlError(rw http.ResponseWriter, status int, msg string) {
	rest.WriteJSON(rw, status, map[string]string{"message": msg})
}
