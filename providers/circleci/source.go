package circleci

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// RecentPipelines is how many of a service's newest pipelines a poll reads
// by default: enough for the detail view and the lineage fallback, few
// enough that a poll stays cheap.
const RecentPipelines = 5

// How long answers that should not change anymore are trusted before they
// are read again anyway.
const (
	// settledRecheck bounds how long a pipeline whose workflows all
	// finished goes without listing them again: a rerun started from the
	// web UI adds a workflow to it, and CircleCI does not bump the
	// pipeline's updated_at for that (CircleCI-Archived/api-preview-docs
	// #87), so updated_at is only ever an extra reason to look.
	settledRecheck = 5 * time.Minute
	// heldRecheck bounds how long the jobs of a workflow that stays on hold
	// go unread: approving one of two parallel holds leaves it on hold.
	heldRecheck = time.Minute
	// heldRelist is how often the workflows of a pipeline that only waits
	// for approval are listed again.
	heldRelist = 20 * time.Second
)

// Service is one flightdeck service's CI on CircleCI.
type Service struct {
	Name    string // the flightdeck service
	Project string // project slug: gh/acme/api, bb/…, circleci/ORG-ID/PROJECT-ID
	Branch  string // "" reads every branch
	// Workflow, when set, shows only the workflows of that name.
	Workflow string
	// DeployJobs names the job that deploys to an environment, by
	// environment, where it is not deploy-<environment> (config
	// ci.deploy_jobs).
	DeployJobs map[string]string
}

// Options configure a Source.
type Options struct {
	// Host is the CircleCI web root ("" = https://circleci.com).
	Host  string
	Token Token
	// HTTPClient is optional; tests pass a counting one.
	HTTPClient *http.Client
	// RequestTimeout bounds each request (default 15 s).
	RequestTimeout time.Duration
	Services       []Service
	// Recent is how many pipelines a service shows (default RecentPipelines).
	Recent int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Concurrency bounds the requests in flight during one Fetch (default 4).
	Concurrency int
}

// Source polls the CircleCI pipelines of a group of services. It is a
// providers.CISource and implements the gate and workflow capabilities.
// It is safe for concurrent use, though the UI never runs two Fetch calls
// at once.
type Source struct {
	client   *Client
	name     string
	services []Service
	recent   int
	now      func() time.Time
	conc     int

	mu     sync.Mutex
	memory map[memKey]*pipelineMemory
	// dirty marks pipelines whose workflow list our own action changed
	// (a rerun adds a workflow), so the next poll lists them again.
	dirty map[memKey]bool
	me    *User
	// deploys is what DeployHistory learnt of finished pipelines the
	// poll does not keep (older than the Recent).
	deploys map[memKey]*deployMemory
	// follows are the older pipelines a rollback re-ran, read by the
	// polls with the newest until they finish (see withFollowed).
	follows map[memKey]followed
}

var (
	_ providers.CISource        = (*Source)(nil)
	_ providers.CIServiceReader = (*Source)(nil)
	_ providers.GateChecker     = (*Source)(nil)
	_ providers.Approver        = (*Source)(nil)
	_ providers.Rejecter        = (*Source)(nil)
	_ providers.Rerunner        = (*Source)(nil)
	_ providers.Canceler        = (*Source)(nil)
)

// memKey names a pipeline as one service sees it (two services could, in
// principle, show one project).
type memKey struct{ service, pipeline string }

// pipelineMemory is what the last polls learnt about one pipeline.
type pipelineMemory struct {
	updatedAt time.Time  // the pipeline's updated_at when its workflows were listed
	listedAt  time.Time  // when they were listed
	workflows []Workflow // nil: never listed
	jobs      map[string]jobsMemory
}

// jobsMemory is a workflow's jobs as read while the workflow had status.
type jobsMemory struct {
	status string
	readAt time.Time
	jobs   []Job
}

func (m *pipelineMemory) clone() *pipelineMemory {
	if m == nil {
		return &pipelineMemory{jobs: map[string]jobsMemory{}}
	}
	c := *m
	c.jobs = make(map[string]jobsMemory, len(m.jobs))
	for k, v := range m.jobs {
		c.jobs[k] = v
	}
	return &c
}

// New builds a Source. It fails only on a host that is not an http(s) URL;
// a missing token shows as an error on every poll instead.
func New(o Options) (*Source, error) {
	c, err := NewClient(ClientOptions{Host: o.Host, Token: o.Token, HTTPClient: o.HTTPClient, RequestTimeout: o.RequestTimeout, Now: o.Now})
	if err != nil {
		return nil, err
	}
	s := &Source{
		client:   c,
		name:     sourceName(o.Host),
		services: slices.Clone(o.Services),
		recent:   o.Recent,
		now:      o.Now,
		conc:     o.Concurrency,
		memory:   map[memKey]*pipelineMemory{},
		dirty:    map[memKey]bool{},
		deploys:  map[memKey]*deployMemory{},
		follows:  map[memKey]followed{},
	}
	if s.recent <= 0 {
		s.recent = RecentPipelines
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.conc <= 0 {
		s.conc = 4
	}
	return s, nil
}

// sourceName is "circleci", or "circleci <host>" for a CircleCI server.
func sourceName(host string) string {
	u, err := url.Parse(host)
	if host == "" || err != nil || u.Host == "" || u.Host == "circleci.com" {
		return "circleci"
	}
	return "circleci " + u.Host
}

// Requests is how many requests the source has sent, for the request
// budget the board can show.
func (s *Source) Requests() int64 { return s.client.Requests() }

// Name is "circleci", or "circleci HOST" for a CircleCI server.
func (s *Source) Name() string { return s.name }

// Kind is "circleci".
func (s *Source) Kind() string { return "circleci" }

// Services lists the services this source reports on, in config order.
func (s *Source) Services() []string {
	names := make([]string, len(s.services))
	for i, svc := range s.services {
		names[i] = svc.Name
	}
	return names
}

// pipelineWork is one pipeline's share of a poll.
type pipelineWork struct {
	svc      int
	p        Pipeline
	mem      *pipelineMemory // a copy, written back once the poll is done
	list     bool            // its workflows must be listed
	wasDirty bool
	err      error
}

// jobWork is one workflow whose jobs a poll reads.
type jobWork struct {
	pw   *pipelineWork
	wf   Workflow
	jobs []Job
	err  error
}

// Fetch polls every service once, in three rounds of parallel requests:
//
//   - one pipeline list per service (the newest Recent on its branch);
//   - the workflows of each pipeline that can still change: never seen,
//     updated since, with a workflow not finished, changed by our own
//     rerun, or not listed for settledRecheck;
//   - the jobs of each workflow that can still change: never read, status
//     changed since, running, or on hold for longer than heldRecheck. A
//     finished workflow's jobs are read once.
//
// So an idle board costs one request per service and poll, a held gate one
// more, and a running pipeline two more (its workflows and its jobs).
//
// Every service comes back, in config order: read, read in part (a
// pipeline or a workflow that could not be read is that service's trouble
// only, see serviceStatus), or with its own error. The error returned
// alongside is the source's trouble (see providers.SourceError).
func (s *Source) Fetch(ctx context.Context) ([]model.CIStatus, error) {
	return s.fetch(ctx, providers.Selected(s.Services(), ""), false)
}

// FetchServices polls some of the services, as Fetch polls them all, so
// that each can be read at its own pace (hot while its pipeline runs).
// Names the source does not read are left out.
func (s *Source) FetchServices(ctx context.Context, names []string) ([]model.CIStatus, error) {
	return s.fetch(ctx, providers.SelectedAll(s.Services(), names), false)
}

// FetchService reads one service for a command about its gates, and
// nothing of the others, so that their failing reads cannot hold it up:
// the pipeline list, the workflows of each pipeline, and the jobs of each
// workflow that has not finished, as Fetch reads them. A finished
// workflow's jobs, which only the board shows, are left out, so that
// fewer requests can fail: it comes back without jobs.
func (s *Source) FetchService(ctx context.Context, name string) (model.CIStatus, error) {
	sel := providers.Selected(s.Services(), name)
	if len(sel) == 0 {
		err := fmt.Errorf("CircleCI: %s is not a service this source reads: %w", name, providers.ErrNotFound)
		return model.CIStatus{Service: name, Error: err.Error()}, err
	}
	sts, err := s.fetch(ctx, sel[:1], true)
	return sts[0], err
}

// fetch reads the services at the indexes sel, as Fetch describes; a
// oneOff read only what gates need (see FetchService).
func (s *Source) fetch(ctx context.Context, sel []int, oneOff bool) ([]model.CIStatus, error) {
	now := s.now()
	lists := make([][]Pipeline, len(s.services))
	listErrs := make([]error, len(s.services))
	// Services built by one project and branch share one pipeline list.
	groups := providers.GroupBy(sel, func(i int) string { return s.services[i].Project + "\x00" + s.services[i].Branch })
	providers.Parallel(len(groups), s.conc, func(k int) {
		i := groups[k][0]
		svc := s.services[i]
		listErrs[i] = providers.Guard("CircleCI", func() (err error) {
			lists[i], err = s.client.Pipelines(ctx, svc.Project, svc.Branch, s.recent)
			return err
		})
		for _, j := range groups[k][1:] {
			lists[j], listErrs[j] = lists[i], listErrs[i]
		}
	})

	var work []*pipelineWork
	s.mu.Lock()
	for _, i := range sel {
		svc := s.services[i]
		if listErrs[i] != nil {
			continue
		}
		for _, p := range s.withFollowed(svc.Name, lists[i], now) {
			k := memKey{svc.Name, p.ID}
			old := s.memory[k]
			pw := &pipelineWork{svc: i, p: p, mem: old.clone(), list: needsListing(old, p, now), wasDirty: s.dirty[k]}
			if pw.wasDirty {
				pw.list = true
				delete(s.dirty, k)
			}
			work = append(work, pw)
		}
	}
	s.mu.Unlock()

	var listing []*pipelineWork
	for _, pw := range work {
		if pw.list {
			listing = append(listing, pw)
		}
	}
	providers.Parallel(len(listing), s.conc, func(i int) {
		pw := listing[i]
		pw.err = providers.Guard("CircleCI", func() error {
			wfs, err := s.client.Workflows(ctx, pw.p.ID)
			if err == nil {
				pw.mem.remember(pw.p, wfs, now)
			}
			return err
		})
	})

	var reads []*jobWork
	for _, pw := range work {
		if pw.err != nil {
			continue
		}
		for _, wf := range shown(pw.mem.workflows, s.services[pw.svc].Workflow) {
			if oneOff && settled(wf.Status) {
				continue
			}
			if !pw.mem.jobsFresh(wf, now) {
				reads = append(reads, &jobWork{pw: pw, wf: wf})
			}
		}
	}
	providers.Parallel(len(reads), s.conc, func(i int) {
		reads[i].err = providers.Guard("CircleCI", func() (err error) {
			reads[i].jobs, err = s.client.Jobs(ctx, reads[i].wf.ID)
			return err
		})
	})
	for _, r := range reads {
		switch {
		case r.err != nil:
			r.pw.err = cmp.Or(r.pw.err, r.err)
		default:
			r.pw.mem.jobs[r.wf.ID] = jobsMemory{status: r.wf.Status, readAt: now, jobs: r.jobs}
		}
	}

	return s.assemble(sel, work, listErrs, now)
}

// assemble builds the status of each service in sel from the poll's work,
// stores what was learnt, and decides what the failures say about the
// source. A service read in part counts as a failure for that verdict,
// but its status goes out with what was read.
func (s *Source) assemble(sel []int, work []*pipelineWork, listErrs []error, now time.Time) ([]model.CIStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]model.CIStatus, 0, len(sel))
	var fails []error
	read := 0
	for _, i := range sel {
		svc := s.services[i]
		err := listErrs[i]
		st := model.CIStatus{Service: svc.Name}
		if err == nil {
			err = providers.Guard("CircleCI", func() (err error) {
				st, err = s.serviceStatus(i, work, now)
				return err
			})
		}
		if err != nil {
			st = st.Failing(err)
			fails = append(fails, err)
		} else {
			read++
		}
		out = append(out, st)
	}
	return out, providers.SourceError(fails, read, func(err error) bool { return !sourceLevel(err) })
}

// serviceStatus builds service i's status from the poll's work and
// stores what was learnt. Called with s.mu held.
//
// A pipeline that could not be read in full (its workflows, or the jobs
// of one of them) is that service's trouble only: it is shown as last
// read (the workflows and jobs the last polls read, if any; a pipeline
// whose workflows were never read is left out, as nothing is known of
// how it stands), and the first such failure is returned: the service is
// read in part (see model.CIStatus.Failing). Gates come only from jobs
// read while their workflow had the status it has now.
func (s *Source) serviceStatus(i int, work []*pipelineWork, now time.Time) (model.CIStatus, error) {
	svc := s.services[i]
	st := model.CIStatus{Service: svc.Name, Pipelines: []model.Pipeline{}, Gates: []model.Gate{}}
	var first error
	failed, total := 0, 0
	listed := map[string]bool{}
	for _, pw := range work {
		if pw.svc != i {
			continue
		}
		total++
		k := memKey{svc.Name, pw.p.ID}
		listed[pw.p.ID] = true
		if pw.err != nil {
			first = cmp.Or(first, pw.err)
			failed++
			if pw.wasDirty {
				s.dirty[k] = true
			}
		} else {
			s.memory[k] = pw.mem
		}
		if pw.mem.workflows == nil {
			continue // never listed: nothing to show
		}
		wfs := shown(pw.mem.workflows, svc.Workflow)
		if len(wfs) == 0 && len(pw.mem.workflows) > 0 {
			continue // this pipeline ran only other workflows
		}
		jobs := make(map[string][]Job, len(wfs))
		current := make(map[string][]Job, len(wfs))
		for _, wf := range wfs {
			j := pw.mem.jobs[wf.ID]
			jobs[wf.ID] = j.jobs
			if j.status == wf.Status {
				current[wf.ID] = j.jobs
			}
		}
		mp := toPipeline(pw.p, wfs, jobs, now.Sub(pw.p.CreatedAt) < settledRecheck)
		for i := range mp.Workflows {
			mp.Workflows[i].URL = s.client.WorkflowURL(cmp.Or(pw.p.ProjectSlug, svc.Project), int64(pw.p.Number), mp.Workflows[i].ID)
		}
		st.Pipelines = append(st.Pipelines, mp)
		st.Gates = append(st.Gates, gates(svc.Name, mp, current)...)
	}
	for k := range s.memory {
		if k.service == svc.Name && !listed[k.pipeline] {
			delete(s.memory, k) // fell out of the newest Recent
		}
	}
	if first != nil {
		first = fmt.Errorf("%d of %d pipelines not read in full: %w", failed, total, first)
	}
	return st, first
}

// needsListing decides whether a pipeline's workflows must be listed again.
func needsListing(m *pipelineMemory, p Pipeline, now time.Time) bool {
	switch {
	case m == nil || m.workflows == nil:
		return true
	case !p.UpdatedAt.Equal(m.updatedAt), now.Sub(m.listedAt) >= settledRecheck:
		return true
	case len(m.workflows) == 0:
		// Workflows may still be set up on a young pipeline.
		return now.Sub(p.CreatedAt) < settledRecheck
	}
	held := false
	for _, wf := range m.workflows {
		switch {
		case wf.Status == "on_hold":
			held = true
		case !settled(wf.Status):
			return true
		}
	}
	// A workflow waiting for a human changes when someone answers it:
	// here (our own approval marks it dirty) or elsewhere, which a look
	// every heldRelist notices without paying for it on every hot poll.
	return held && now.Sub(m.listedAt) >= heldRelist
}

// remember stores a fresh workflow list, dropping the jobs of workflows
// no longer in it.
func (m *pipelineMemory) remember(p Pipeline, wfs []Workflow, now time.Time) {
	if wfs == nil {
		wfs = []Workflow{}
	}
	m.workflows, m.listedAt, m.updatedAt = wfs, now, p.UpdatedAt
	for id := range m.jobs {
		if !slices.ContainsFunc(wfs, func(w Workflow) bool { return w.ID == id }) {
			delete(m.jobs, id)
		}
	}
}

// jobsFresh reports whether the jobs read earlier still stand for wf.
func (m *pipelineMemory) jobsFresh(wf Workflow, now time.Time) bool {
	j, ok := m.jobs[wf.ID]
	switch {
	case !ok || j.status != wf.Status:
		return false
	case settled(wf.Status):
		return true
	case wf.Status == "on_hold":
		return now.Sub(j.readAt) < heldRecheck
	}
	return false
}

// shown filters workflows by name ("" keeps all).
func shown(wfs []Workflow, name string) []Workflow {
	if name == "" {
		return wfs
	}
	var out []Workflow
	for _, w := range wfs {
		if w.Name == name {
			out = append(out, w)
		}
	}
	return out
}

// sourceLevel reports whether a failure says something about the whole
// source (throttling, a refused or missing token, transport, a 5xx, a
// malformed answer) rather than one service (its project not found, a
// 403 or other 4xx about it, a panic while reading its answers).
func sourceLevel(err error) bool {
	if providers.IsPanic(err) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == http.StatusUnauthorized || ae.Status == http.StatusTooManyRequests
	}
	return true
}
