package model

import (
	"sort"
	"strings"
	"time"
)

// ServiceState is everything the board knows about one service.
type ServiceState struct {
	Name         string      `json:"name"`
	Repo         string      `json:"repo,omitempty"`
	Environments []EnvStatus `json:"environments"`
	Pipelines    []Pipeline  `json:"pipelines"`
	// CIFetchedAt is when Pipelines were last read; CIError is the CI
	// source's trouble, shown beside the last good pipelines; CIStale marks
	// pipelines older than two poll intervals.
	CIFetchedAt time.Time `json:"ci_fetched_at,omitzero"`
	CIError     string    `json:"ci_error,omitempty"`
	CIStale     bool      `json:"ci_stale,omitempty"`
	// Drift compares each pair of neighbouring environments (ServiceDrift);
	// status fills it, the board draws its own column.
	Drift []EnvDrift `json:"drift,omitempty"`
}

// CIMoving reports whether any of the service's pipelines is still running.
func (s *ServiceState) CIMoving() bool {
	for _, p := range s.Pipelines {
		if p.Moving() {
			return true
		}
	}
	return false
}

// Env finds an environment of the service by name.
func (s *ServiceState) Env(name string) (*EnvStatus, bool) {
	for i := range s.Environments {
		if s.Environments[i].Environment == name {
			return &s.Environments[i], true
		}
	}
	return nil, false
}

// Lineage is what the service's pipelines tell about commit order, newest
// first. It is the fallback until a commit source (GitHub) is wired.
func (s *ServiceState) Lineage() Lineage {
	l := make(Lineage, 0, len(s.Pipelines))
	for _, p := range s.Pipelines {
		if p.SHA != "" && (len(l) == 0 || !SameCommit(l[len(l)-1], p.SHA)) {
			l = append(l, p.SHA)
		}
	}
	return l
}

// SourceHealth is how the last fetch of one provider source went.
type SourceHealth struct {
	Source    string    `json:"source"`
	Kind      string    `json:"kind"`
	LastOK    time.Time `json:"last_ok,omitzero"`
	LastTry   time.Time `json:"last_try,omitzero"`
	Error     string    `json:"error,omitempty"`
	Throttled bool      `json:"throttled,omitempty"`
}

// Snapshot is the whole world as flightdeck last saw it. Services keep the
// order of the config; environments keep promotion order.
type Snapshot struct {
	GeneratedAt time.Time      `json:"generated_at"`
	Services    []ServiceState `json:"services"`
	Approvals   []Gate         `json:"approvals"`
	Sources     []SourceHealth `json:"sources,omitempty"`

	index map[EnvKey]int // EnvKey → service index * envStride + env index
}

// envStride bounds environments per service in the index encoding.
const envStride = 1 << 16

// ServiceSpec is the shape of one configured service: its name, repository
// and its environments in promotion order, with the target of each.
type ServiceSpec struct {
	Name         string
	Repo         string
	Environments []EnvSpec
}

// EnvSpec names one configured environment and its target.
type EnvSpec struct {
	Name      string
	Target    Target
	Protected bool
	// RollbackCI says the environment rolls back through CI by default
	// (config rollback: ci): the picker opens on an older pipeline's
	// deploy job rather than on the target's own revision.
	RollbackCI bool
	// Unsupported, when set, says why no provider reads this environment;
	// the board shows it on the cell instead of loading forever.
	Unsupported string
}

// NewSnapshot lays out an empty snapshot for the configured services: every
// environment starts unknown until its first fetch.
func NewSnapshot(specs []ServiceSpec) *Snapshot {
	s := &Snapshot{Services: make([]ServiceState, len(specs)), Approvals: []Gate{}}
	for i, sp := range specs {
		svc := ServiceState{Name: sp.Name, Repo: sp.Repo, Environments: make([]EnvStatus, len(sp.Environments)), Pipelines: []Pipeline{}}
		for j, e := range sp.Environments {
			svc.Environments[j] = EnvStatus{Service: sp.Name, Environment: e.Name, Target: e.Target, State: StateUnknown, Unsupported: e.Unsupported}
		}
		s.Services[i] = svc
	}
	s.reindex()
	return s
}

// SnapshotOf is a snapshot of environments read one by one (a command's
// live reads, a screen's copy of what it showed): services in the order
// their first environment comes, environments in the order given.
func SnapshotOf(envs ...EnvStatus) *Snapshot {
	s := &Snapshot{Approvals: []Gate{}}
	at := map[string]int{}
	for _, e := range envs {
		JudgeIfUnjudged(&e)
		i, ok := at[e.Service]
		if !ok {
			i = len(s.Services)
			at[e.Service] = i
			s.Services = append(s.Services, ServiceState{Name: e.Service, Pipelines: []Pipeline{}})
		}
		s.Services[i].Environments = append(s.Services[i].Environments, e)
	}
	s.reindex()
	return s
}

func (s *Snapshot) reindex() {
	s.index = make(map[EnvKey]int)
	for i := range s.Services {
		for j := range s.Services[i].Environments {
			s.index[EnvKey{s.Services[i].Name, s.Services[i].Environments[j].Environment}] = i*envStride + j
		}
	}
}

// Env returns the environment for a key.
func (s *Snapshot) Env(k EnvKey) (*EnvStatus, bool) {
	if s.index == nil {
		s.reindex()
	}
	at, ok := s.index[k]
	if !ok {
		return nil, false
	}
	return &s.Services[at/envStride].Environments[at%envStride], true
}

// Service finds a service by name.
func (s *Snapshot) Service(name string) (*ServiceState, bool) {
	for i := range s.Services {
		if s.Services[i].Name == name {
			return &s.Services[i], true
		}
	}
	return nil, false
}

// FetchResult is one poll of one source. Envs holds what was read: good
// data, or an environment's own error. Err, when set, is the source's
// trouble (unreachable, throttled, credentials): it is written on every
// covered environment that Envs does not speak for, and it is what the
// poller backs off on. Both can be set at once (some clusters read, some
// throttled).
type FetchResult struct {
	Source string
	Kind   string
	At     time.Time
	Envs   []EnvStatus
	// Covers lists every environment the source is responsible for.
	Covers    []EnvKey
	Err       error
	Throttled bool
}

// Merge folds one poll result into the snapshot. Good data replaces what was
// there; an error keeps the last good data and writes the error beside it,
// so the screen never shows a failure as emptiness.
func (s *Snapshot) Merge(r FetchResult) {
	s.recordHealth(r)
	spoken := make(map[EnvKey]bool, len(r.Envs))
	for _, fresh := range r.Envs {
		e, ok := s.Env(fresh.Key())
		if !ok {
			continue
		}
		spoken[fresh.Key()] = true
		if fresh.Error != "" {
			e.Error, e.Missing = oneLine(fresh.Error), fresh.Missing
			continue
		}
		fresh.FetchedAt = r.At
		fresh.Stale = false
		fresh.Unsupported = e.Unsupported
		JudgeIfUnjudged(&fresh)
		*e = fresh
		s.mergeDeployGates(fresh)
	}
	if r.Err == nil {
		return
	}
	msg := oneLine(r.Err.Error())
	for _, k := range r.Covers {
		if e, ok := s.Env(k); ok && !spoken[k] {
			e.Error = msg
		}
	}
}

func (s *Snapshot) recordHealth(r FetchResult) {
	s.recordSourceHealth(r.Source, r.Kind, r.At, r.Err, r.Throttled)
}

func (s *Snapshot) recordSourceHealth(source, kind string, at time.Time, err error, throttled bool) {
	h := SourceHealth{Source: source, Kind: kind, LastTry: at, Throttled: throttled}
	if err != nil {
		h.Error = oneLine(err.Error())
	} else {
		h.LastOK = at
	}
	for i := range s.Sources {
		if s.Sources[i].Source == source {
			if err != nil {
				h.LastOK = s.Sources[i].LastOK
			}
			s.Sources[i] = h
			return
		}
	}
	s.Sources = append(s.Sources, h)
	sort.Slice(s.Sources, func(i, j int) bool { return s.Sources[i].Source < s.Sources[j].Source })
}

// CIFetchResult is one poll of one CI source, the CI counterpart of
// FetchResult: Services holds what was read (pipelines and gates, or a
// service's own error); Err is the source's trouble, written on every
// covered service that Services does not speak for.
type CIFetchResult struct {
	Source   string
	Kind     string
	At       time.Time
	Services []CIStatus
	// Covers lists every service the source is responsible for.
	Covers    []string
	Err       error
	Throttled bool
}

// MergeCI folds one CI poll into the snapshot. A service read fine gets its
// pipelines replaced and its gates replace its entries in Approvals; a
// service with an error keeps its last good pipelines and gates, with the
// error beside them, so a failure never shows as "nothing waiting". A
// service read in part (pipelines and an error) is taken as read, with the
// error beside it: the source has already shown what it could not read as
// last read. One service's error never touches another's pipelines or
// gates.
func (s *Snapshot) MergeCI(r CIFetchResult) {
	s.recordSourceHealth(r.Source, r.Kind, r.At, r.Err, r.Throttled)
	spoken := make(map[string]bool, len(r.Services))
	fresh := make(map[string][]Gate, len(r.Services))
	for _, st := range r.Services {
		svc, ok := s.Service(st.Service)
		if !ok {
			continue
		}
		spoken[st.Service] = true
		if st.Error != "" && st.Pipelines == nil {
			svc.CIError = oneLine(st.Error)
			continue
		}
		svc.Pipelines = st.Pipelines
		if svc.Pipelines == nil {
			svc.Pipelines = []Pipeline{}
		}
		svc.CIFetchedAt, svc.CIError, svc.CIStale = r.At, oneLine(st.Error), false
		gates := make([]Gate, len(st.Gates))
		for i, g := range st.Gates {
			g.Service = st.Service
			gates[i] = g
		}
		fresh[st.Service] = gates
	}
	if r.Err != nil {
		msg := oneLine(r.Err.Error())
		for _, name := range r.Covers {
			if svc, ok := s.Service(name); ok && !spoken[name] {
				svc.CIError = msg
			}
		}
	}
	if len(fresh) == 0 {
		return
	}
	approvals := make([]Gate, 0, len(s.Approvals))
	for _, g := range s.Approvals {
		if _, replaced := fresh[g.Service]; !replaced || g.DeploySide() {
			approvals = append(approvals, g)
		}
	}
	for _, gates := range fresh {
		approvals = append(approvals, gates...)
	}
	sortGates(approvals)
	s.Approvals = approvals
}

// mergeDeployGates replaces the deploy-side gates of one environment read
// fine with the ones it waits at now; an environment whose read failed
// keeps its last ones, as CI gates are kept.
func (s *Snapshot) mergeDeployGates(e EnvStatus) {
	approvals := make([]Gate, 0, len(s.Approvals)+len(e.Gates))
	for _, g := range s.Approvals {
		if !g.DeploySide() || g.Service != e.Service || g.Environment != e.Environment {
			approvals = append(approvals, g)
		}
	}
	if len(approvals) == len(s.Approvals) && len(e.Gates) == 0 {
		return
	}
	for _, g := range e.Gates {
		g.Service, g.Environment = e.Service, e.Environment
		approvals = append(approvals, g)
	}
	sortGates(approvals)
	s.Approvals = approvals
}

// sortGates orders gates oldest waiting first (unknown times last), then by
// service and gate, so the list does not shuffle between polls.
func sortGates(gs []Gate) {
	sort.SliceStable(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		if !a.WaitingSince.Equal(b.WaitingSince) {
			switch {
			case a.WaitingSince.IsZero():
				return false
			case b.WaitingSince.IsZero():
				return true
			}
			return a.WaitingSince.Before(b.WaitingSince)
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Gate != b.Gate {
			return a.Gate < b.Gate
		}
		return a.ID < b.ID
	})
}

// MarkStale flags every environment, and every service's pipelines, whose
// last good data is older than maxAge, so old data is never shown as
// current. Never-fetched data is loading, not stale.
func (s *Snapshot) MarkStale(now time.Time, maxAge time.Duration) {
	for i := range s.Services {
		svc := &s.Services[i]
		for j := range svc.Environments {
			e := &svc.Environments[j]
			e.Stale = !e.FetchedAt.IsZero() && now.Sub(e.FetchedAt) > maxAge
		}
		svc.CIStale = !svc.CIFetchedAt.IsZero() && now.Sub(svc.CIFetchedAt) > maxAge
	}
}

// Moving reports whether anything in the snapshot changes by itself soon:
// an environment deploying or a pipeline running.
func (s *Snapshot) Moving() bool {
	for i := range s.Services {
		if s.Services[i].CIMoving() {
			return true
		}
		for _, e := range s.Services[i].Environments {
			if e.Moving() {
				return true
			}
		}
	}
	return false
}

// Moving reports whether the environment is mid-change: a deploy rolling or
// a rollback under way.
func (e EnvStatus) Moving() bool {
	if e.State.Moving() {
		return true
	}
	for _, r := range e.Rollouts {
		if r.State == "IN_PROGRESS" {
			return true
		}
	}
	return false
}

// oneLine flattens a multi-line error (errors.Join) for a one-line cell.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
