package githubactions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// RecentRuns is how many of a service's newest runs a poll reads by
// default.
const RecentRuns = 5

// How long answers that may still change without the run changing are
// trusted before they are read again anyway. Every read is conditional,
// so a re-read of unchanged data is a free 304; these only save requests.
const (
	// heldRecheck bounds how long the jobs of a waiting run go unread.
	heldRecheck = time.Minute
	// heldRelist bounds how long a waiting run's pending deployments go
	// unread: someone may answer the gate on github.com, and the run list
	// does not always move when they do.
	heldRelist = 20 * time.Second
	// minFiles is the least number of parsed workflow files kept (they
	// never change for a path at a commit); a board of many services
	// keeps filesPerRun for each run it shows.
	minFiles    = 256
	filesPerRun = 4
)

// Service is one flightdeck service's CI on GitHub Actions.
type Service struct {
	Name string // the flightdeck service
	Repo string // owner/name
	// Workflow is the workflow's file name (deploy.yml), its path
	// (.github/workflows/deploy.yml) or its numeric id.
	Workflow string
	Branch   string // "" reads every branch
	// DeployJobs names the job that deploys to an environment, by
	// environment, where it is neither deploy-<environment> nor the job
	// whose `environment:` is it (config ci.deploy_jobs).
	DeployJobs map[string]string
}

// Options configure a Source: its client (API URL, token, cache, clock)
// and the services it reads.
type Options struct {
	ClientOptions
	Services []Service
	// Recent is how many runs a service shows (default RecentRuns).
	Recent int
	// Concurrency bounds the requests in flight during one Fetch (default 4).
	Concurrency int
	// Reviewer names who reviews in the comment left on a deployment
	// review ("approved from flightdeck by NAME"); default the OS user.
	Reviewer string
}

// Source polls the GitHub Actions runs of a group of services, and reads
// commits for any repository. It is a providers.CISource, a
// providers.RateReporter and a providers.LineageReader, and implements the
// gate and workflow capabilities. It is safe for concurrent use, though
// the UI never runs two Fetch calls at once.
type Source struct {
	client   *Client
	name     string
	services []Service
	names    []string // of the services
	recent   int
	now      func() time.Time
	conc     int
	reviewer string

	mu     sync.Mutex
	memory map[memKey]*runMemory
	dirty  map[memKey]bool // our own action changed the run
	files  *bounded[fileKey, fileResult]
	graphs *bounded[string, *graph] // by the files they were built from
	paths  map[string]string        // "repo#id" → a numeric workflow's path
	// savedAt is when a poll last saved the ETag cache.
	savedAt time.Time

	lineage lineageCache
	// deploys is what DeployHistory learnt of finished runs the poll
	// does not keep.
	deploys map[memKey]*deployMemory
	// follows are the older runs a rollback re-ran, by when: the polls
	// read them with the newest until they finish (see withFollowed).
	follows map[memKey]time.Time
}

var (
	_ providers.CISource        = (*Source)(nil)
	_ providers.CIServiceReader = (*Source)(nil)
	_ providers.RateReporter    = (*Source)(nil)
	_ providers.LineageReader   = (*Source)(nil)
	_ providers.GateChecker     = (*Source)(nil)
	_ providers.Approver        = (*Source)(nil)
	_ providers.Rejecter        = (*Source)(nil)
	_ providers.Rerunner        = (*Source)(nil)
	_ providers.Canceler        = (*Source)(nil)
)

// memKey names a run as one service sees it.
type memKey struct {
	service string
	run     int64
}

// runMemory is what the last polls learnt about one run.
type runMemory struct {
	updatedAt time.Time
	status    string
	attempt   int
	jobs      []*github.WorkflowJob
	jobsAt    time.Time // zero: never read
	pending   []PendingDeployment
	pendingAt time.Time // zero: never read
}

func (m *runMemory) clone() *runMemory {
	if m == nil {
		return &runMemory{}
	}
	c := *m
	return &c
}

// changed reports whether the run moved since the memory was taken.
func (m *runMemory) changed(r *github.WorkflowRun) bool {
	return !r.GetUpdatedAt().Time.Equal(m.updatedAt) || r.GetStatus() != m.status || r.GetRunAttempt() != m.attempt
}

// fileKey names a workflow file at a commit: its content never changes.
type fileKey struct{ repo, path, sha string }

// fileResult is a parsed file, or why there is none: for good (not found,
// does not parse), or until retryAt (refused, GitHub in trouble).
type fileResult struct {
	file    *wfFile
	err     error
	retryAt time.Time // zero: the outcome stands
}

// due reports whether a failed read should be tried again.
func (r fileResult) due(now time.Time) bool { return !r.retryAt.IsZero() && !now.Before(r.retryAt) }

// refusedRetry is how long a workflow file the token may not read waits
// before it is asked again: a refusal rarely passes by itself, and each
// ask costs rate limit.
const refusedRetry = 10 * time.Minute

// New builds a Source. It fails only on an API URL that is not http(s); a
// missing token shows as an error on every poll instead.
func New(o Options) (*Source, error) {
	c, err := NewClient(o.ClientOptions)
	if err != nil {
		return nil, err
	}
	// Enough room for every file of every run on screen, so that no poll
	// pushes out what the next one needs.
	keep := max(minFiles, len(o.Services)*max(o.Recent, RecentRuns)*filesPerRun)
	s := &Source{
		client:   c,
		name:     sourceName(o.APIURL),
		services: slices.Clone(o.Services),
		recent:   o.Recent,
		now:      c.now,
		conc:     o.Concurrency,
		reviewer: o.Reviewer,
		memory:   map[memKey]*runMemory{},
		deploys:  map[memKey]*deployMemory{},
		follows:  map[memKey]time.Time{},
		dirty:    map[memKey]bool{},
		files:    newBounded[fileKey, fileResult](keep),
		graphs:   newBounded[string, *graph](keep),
		paths:    map[string]string{},
		lineage:  newLineageCache(),
	}
	for _, svc := range s.services {
		s.names = append(s.names, svc.Name)
	}
	if s.recent <= 0 {
		s.recent = RecentRuns
	}
	if s.conc <= 0 {
		s.conc = 4
	}
	return s, nil
}

// sourceName is "github", or "github HOST" for GitHub Enterprise.
func sourceName(apiURL string) string {
	if h := Host(apiURL); h != "github.com" {
		return "github " + h
	}
	return "github"
}

// Name is "github", or "github HOST" for GitHub Enterprise.
func (s *Source) Name() string { return s.name }

// Kind is "github".
func (s *Source) Kind() string { return "github" }

// Services lists the services this source reports CI for, in config order.
func (s *Source) Services() []string { return slices.Clone(s.names) }

// Requests reports how many requests the source sent and how many of them
// were answered 304, which cost no rate limit.
func (s *Source) Requests() (sent, notModified int64) { return s.client.Requests() }

// Rate is the primary rate limit as the last answer told it.
func (s *Source) Rate() (remaining, limit int, reset time.Time, ok bool) {
	return s.client.meter.rate()
}

// MinInterval is the shortest poll interval that keeps a reserve of the
// rate limit (a tenth of it, at least 50 requests) until it resets, at
// what polls have lately cost (304s cost nothing); while GitHub asks to
// wait, the wait. The poller uses max(its interval, MinInterval()).
func (s *Source) MinInterval() time.Duration { return s.client.meter.minInterval(s.now()) }

// SaveCache persists the ETag cache now, if it changed. Fetch does it at
// most every saveInterval; call it on exit too, so the next start finds
// the freshest ETags.
func (s *Source) SaveCache() error { return s.client.SaveCache() }

// saveInterval bounds how often a poll writes the ETag cache: a busy board
// changes it on most polls, and a copy a little old only costs a few 200s
// after a restart.
const saveInterval = 30 * time.Second

func (s *Source) saveEvery(now time.Time) {
	s.mu.Lock()
	due := s.savedAt.IsZero() || now.Sub(s.savedAt) >= saveInterval
	if due {
		s.savedAt = now
	}
	s.mu.Unlock()
	if due {
		_ = s.client.SaveCache() // a cache that cannot be saved only costs requests after a restart
	}
}

// runWork is one run's share of a poll.
type runWork struct {
	svc      int
	run      *github.WorkflowRun
	mem      *runMemory // a copy, stored once the poll is done
	jobs     bool       // its jobs must be read
	pending  bool       // its pending deployments must be read
	wasDirty bool
	err      error
}

// Fetch polls every service once:
//
//   - one run list per service (the newest Recent runs of its workflow on
//     its branch);
//   - the jobs of each run that can still change: never read, changed
//     since, queued or running, or waiting for longer than heldRecheck;
//   - the pending deployments of each waiting run, when it changed or
//     every heldRelist;
//   - last, the workflow file of each run's commit, and the files it
//     calls, once per path and commit (they never change). They only lay
//     the jobs out, so they are read after what gates depend on: a file
//     read that is throttled holds back the rest of the poll, not a gate.
//
// Every GET is conditional, so an idle board costs one free 304 per
// service and poll. What a service reads enters the ETag cache only once
// its answers have mapped cleanly (see pending). Every service comes
// back, in config order, read or with its own error (a panic while reading
// its answers, too). A run that could not be read is one service's
// trouble, not the source's: see assemble. The error returned alongside
// is the source's trouble.
func (s *Source) Fetch(ctx context.Context) ([]model.CIStatus, error) {
	return s.poll(ctx, providers.Selected(s.names, ""))
}

// FetchServices polls some of the services, as Fetch polls them all, so
// that each can be read at its own pace (hot while its pipeline runs).
// Names the source does not read are left out.
func (s *Source) FetchServices(ctx context.Context, names []string) ([]model.CIStatus, error) {
	return s.poll(ctx, providers.SelectedAll(s.names, names))
}

func (s *Source) poll(ctx context.Context, sel []int) ([]model.CIStatus, error) {
	// The poll's own requests make its cost: lineage reads and actions
	// running meanwhile are one-offs, not what every poll will spend.
	var cost atomic.Int64
	ctx = withCost(ctx, &cost)
	now := s.now()
	defer func() {
		s.client.meter.pollDone(cost.Load())
		s.saveEvery(now)
	}()
	return s.fetch(ctx, sel, now, false)
}

// FetchService reads one service for a command about its gates, and
// nothing of the others, so that their failing reads cannot hold it up:
// the run list, and the jobs and pending deployments of each run that has
// not finished, as Fetch reads them. What only the board shows is left
// out, so that fewer requests can fail: a finished run comes back without
// its jobs, and no workflow file is read (jobs are listed without their
// order). It is a one-off, not a poll: it does not count towards what
// polls cost.
func (s *Source) FetchService(ctx context.Context, name string) (model.CIStatus, error) {
	sel := providers.Selected(s.names, name)
	if len(sel) == 0 {
		_, err := s.service(name)
		return model.CIStatus{Service: name, Error: err.Error()}, err
	}
	now := s.now()
	defer s.saveEvery(now)
	sts, err := s.fetch(ctx, sel[:1], now, true)
	return sts[0], err
}

// fetch reads the services at the indexes sel, as Fetch describes; a
// oneOff read only what gates need (see FetchService).
func (s *Source) fetch(ctx context.Context, sel []int, now time.Time, oneOff bool) ([]model.CIStatus, error) {
	ledgers := make([]*pending, len(s.services))
	svcCtx := make([]context.Context, len(s.services))
	for _, i := range sel {
		ledgers[i] = s.client.cache.begin(nil)
		svcCtx[i] = withPending(ctx, ledgers[i])
	}
	lists := make([][]*github.WorkflowRun, len(s.services))
	listErrs := make([]error, len(s.services))
	// Services that share a repository, workflow and branch (a monorepo's
	// deploy.yml) share one list of runs: it is read once.
	groups := providers.GroupBy(sel, func(i int) string {
		svc := s.services[i]
		return svc.Repo + "\x00" + runsWorkflow(svc.Workflow) + "\x00" + svc.Branch
	})
	providers.Parallel(len(groups), s.conc, func(k int) {
		i := groups[k][0]
		svc := s.services[i]
		listErrs[i] = providers.Guard("GitHub", func() (err error) {
			lists[i], err = s.client.Runs(svcCtx[i], svc.Repo, runsWorkflow(svc.Workflow), svc.Branch, s.recent)
			return err
		})
		for _, j := range groups[k][1:] {
			lists[j], listErrs[j] = lists[i], listErrs[i]
		}
		for _, j := range groups[k] {
			if listErrs[j] == nil {
				lists[j] = s.withFollowed(svcCtx[j], s.services[j], lists[j], now)
			}
		}
	})

	var work []*runWork
	s.mu.Lock()
	for _, i := range sel {
		svc := s.services[i]
		for _, r := range lists[i] {
			k := memKey{svc.Name, r.GetID()}
			old := s.memory[k]
			w := &runWork{svc: i, run: r, mem: old.clone(), wasDirty: s.dirty[k]}
			delete(s.dirty, k)
			w.jobs = w.wasDirty || needsJobs(old, r, now)
			if oneOff && settled(r) {
				w.jobs = false
			}
			w.pending = r.GetStatus() == "waiting" && (w.wasDirty || needsPending(old, r, now))
			work = append(work, w)
		}
	}
	s.mu.Unlock()

	providers.Parallel(len(work), s.conc, func(i int) {
		w := work[i]
		w.err = providers.Guard("GitHub", func() error { return s.readRun(svcCtx[w.svc], w, now) })
	})
	if !oneOff {
		s.readFiles(ctx, work)
	}
	return s.assemble(ctx, sel, work, listErrs, ledgers)
}

// readRun reads what a run's work asks for: its jobs, its pending
// deployments. Each read stands on its own: jobs that cannot be read do
// not keep the gates from being read. It returns the first failure.
func (s *Source) readRun(ctx context.Context, w *runWork, now time.Time) error {
	svc := s.services[w.svc]
	if w.run.GetStatus() != "waiting" {
		w.mem.pending, w.mem.pendingAt = nil, time.Time{}
	}
	var jobsErr, pendingErr error
	if w.jobs {
		var jobs []*github.WorkflowJob
		if jobs, jobsErr = s.client.Jobs(ctx, svc.Repo, w.run.GetID()); jobsErr == nil {
			w.mem.jobs, w.mem.jobsAt = jobs, now
		}
	}
	if w.pending {
		var p []PendingDeployment
		if p, pendingErr = s.client.PendingDeployments(ctx, svc.Repo, w.run.GetID()); pendingErr == nil {
			w.mem.pending, w.mem.pendingAt = p, now
		}
	}
	if err := cmp.Or(jobsErr, pendingErr); err != nil {
		return err
	}
	w.mem.updatedAt, w.mem.status, w.mem.attempt = w.run.GetUpdatedAt().Time, w.run.GetStatus(), w.run.GetRunAttempt()
	return nil
}

// runsWorkflow is what the runs endpoint takes: a file name or an id.
func runsWorkflow(wf string) string { return path.Base(wf) }

// needsJobs decides whether a run's jobs must be read again.
func needsJobs(m *runMemory, r *github.WorkflowRun, now time.Time) bool {
	switch {
	case m == nil || m.jobsAt.IsZero() || m.changed(r):
		return true
	case settled(r):
		return false
	case r.GetStatus() == "waiting":
		return now.Sub(m.jobsAt) >= heldRecheck
	}
	return true // queued or running
}

func needsPending(m *runMemory, r *github.WorkflowRun, now time.Time) bool {
	return m == nil || m.pendingAt.IsZero() || m.changed(r) || now.Sub(m.pendingAt) >= heldRelist
}

// assemble builds the status of each service in sel from the poll's work,
// stores what was learnt, and decides what the failures say about the
// source. A service whose run list could not be read comes back with its
// error only; one with runs that could not be read comes back read in
// part (see serviceStatus). A service's ledger is committed unless reading
// its answers panicked: then what it read is not cached, and cached
// answers it replayed are dropped.
func (s *Source) assemble(ctx context.Context, sel []int, work []*runWork, listErrs []error, ledgers []*pending) ([]model.CIStatus, error) {
	bySvc := make([][]*runWork, len(s.services))
	for _, w := range work {
		bySvc[w.svc] = append(bySvc[w.svc], w)
	}
	out := make([]model.CIStatus, len(sel))
	var fails []error
	for k, i := range sel {
		svc := s.services[i]
		out[k] = model.CIStatus{Service: svc.Name}
		err := listErrs[i]
		panicked := providers.IsPanic(err)
		if err == nil {
			err = providers.Guard("GitHub", func() (err error) {
				out[k], err = s.serviceStatus(ctx, svc, bySvc[i])
				return err
			})
			panicked = providers.IsPanic(err) || slices.ContainsFunc(bySvc[i], func(w *runWork) bool { return providers.IsPanic(w.err) })
		}
		if panicked {
			ledgers[i].discard()
		} else {
			ledgers[i].commit()
		}
		if err != nil {
			out[k] = out[k].Failing(err)
			fails = append(fails, err)
		}
	}
	return out, providers.SourceError(fails, len(sel)-len(fails), serviceLevel)
}

// serviceStatus builds one service's status from its runs' work. It
// remembers the runs read well and forgets those no longer listed; a run
// our own action marked keeps its mark until it is read.
//
// A run that could not be read in full is that service's trouble only:
// it is shown as last read (its jobs and gates from the last poll that
// read them, if any, or its run alone, saying why its jobs are missing),
// and the first such failure is returned: the service is read in part
// (see model.CIStatus.Failing).
func (s *Source) serviceStatus(ctx context.Context, svc Service, work []*runWork) (model.CIStatus, error) {
	st := model.CIStatus{Service: svc.Name, Pipelines: []model.Pipeline{}, Gates: []model.Gate{}}
	var first error
	failed := 0
	for _, w := range work {
		var jobs []model.Job
		graphErr := ""
		switch {
		case w.err == nil || !w.mem.jobsAt.IsZero():
			jobs, graphErr = s.layout(ctx, svc, w)
		default:
			graphErr = "jobs not read: " + providers.OneLine(w.err.Error(), 200)
		}
		if w.err != nil {
			first = cmp.Or(first, w.err)
			failed++
		}
		p := toPipeline(w.run, jobs, graphErr)
		st.Pipelines = append(st.Pipelines, p)
		if w.err == nil || !w.mem.pendingAt.IsZero() {
			st.Gates = append(st.Gates, gates(svc.Name, p, w.run, w.mem.jobs, w.mem.pending)...)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	listed := make(map[int64]bool, len(work))
	for _, w := range work {
		k := memKey{svc.Name, w.run.GetID()}
		listed[k.run] = true
		switch {
		case w.err == nil:
			s.memory[k] = w.mem
		case w.wasDirty:
			s.dirty[k] = true
		}
	}
	for k := range s.memory {
		if k.service == svc.Name && !listed[k.run] {
			delete(s.memory, k) // fell out of the newest Recent
		}
	}
	if first != nil {
		first = fmt.Errorf("%d of %d runs not read in full: %w", failed, len(work), first)
	}
	return st, first
}

// serviceLevel reports whether a failure concerns one service only: GitHub
// answering a 4xx about its repository or workflow (not found, or a 403:
// the token may not read that repository), or a panic while reading its
// answers. A 401 (the token itself refused), transport failures, 5xx and
// malformed answers concern the source.
func serviceLevel(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusUnauthorized || providers.IsPanic(err)
}

// markDirty has the next poll read a run's jobs and gates again.
func (s *Source) markDirty(service string, run int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty[memKey{service, run}] = true
}

// layout lays a run's jobs out on its workflow file's graph, or lists them
// as the API gives them, saying why, when the file is not to be had.
func (s *Source) layout(ctx context.Context, svc Service, w *runWork) ([]model.Job, string) {
	g, err := s.graphOf(ctx, svc, w.run)
	if err != nil {
		return jobsWithoutGraph(w.mem.jobs), err.Error()
	}
	return jobsWithGraph(g, w.mem.jobs, settled(w.run)), ""
}

// graphOf builds a run's job graph from its files, or takes it from the
// cache: a graph whose files were all to be had never changes.
func (s *Source) graphOf(ctx context.Context, svc Service, r *github.WorkflowRun) (*graph, error) {
	f, called, key, complete, err := s.filesOf(ctx, svc, r)
	if err != nil {
		return nil, err
	}
	if g, ok := s.graphs.get(key); ok {
		return g, nil
	}
	g := buildGraph(f, called)
	if complete {
		s.graphs.put(key, g)
	}
	return g, nil
}

// readFiles reads, in parallel, the workflow files the runs of a poll need
// that are not known yet: first each run's own, then the files they call.
func (s *Source) readFiles(ctx context.Context, work []*runWork) {
	for range 2 {
		var need []fileKey
		seen := map[fileKey]bool{}
		for _, w := range work {
			svc := s.services[w.svc]
			for _, k := range s.missingFiles(ctx, svc, w.run) {
				if !seen[k] {
					seen[k] = true
					need = append(need, k)
				}
			}
		}
		if len(need) == 0 {
			return
		}
		providers.Parallel(len(need), s.conc, func(i int) {
			if err := providers.Guard("GitHub", func() error { s.readFile(ctx, need[i]); return nil }); err != nil {
				s.files.put(need[i], fileResult{err: err})
			}
		})
	}
}

// missingFiles lists the files a run's graph needs that are not cached.
func (s *Source) missingFiles(ctx context.Context, svc Service, r *github.WorkflowRun) []fileKey {
	p, err := s.workflowPath(ctx, svc)
	if err != nil {
		return nil
	}
	main := fileKey{svc.Repo, p, r.GetHeadSHA()}
	res, ok := s.files.get(main)
	if !ok || res.due(s.now()) {
		return []fileKey{main}
	}
	if res.file == nil {
		return nil
	}
	var out []fileKey
	for _, j := range res.file.Jobs {
		if k, ok := calledFile(svc.Repo, r, j.Uses); ok {
			if cr, have := s.files.get(k); !have || cr.due(s.now()) {
				out = append(out, k)
			}
		}
	}
	return out
}

// filesOf returns a run's parsed workflow file and the files its jobs call
// (by their uses: value), or why the graph cannot be drawn. key names the
// set of files; complete says whether every call was settled (read, or
// known not to be had).
func (s *Source) filesOf(ctx context.Context, svc Service, r *github.WorkflowRun) (f *wfFile, called map[string]*wfFile, key string, complete bool, err error) {
	p, err := s.workflowPath(ctx, svc)
	if err != nil {
		return nil, nil, "", false, fmt.Errorf("the workflow's file is unknown (%v); jobs are listed without their order", err)
	}
	k := fileKey{svc.Repo, p, r.GetHeadSHA()}
	res, ok := s.files.get(k)
	switch {
	case !ok:
		return nil, nil, "", false, fmt.Errorf("%s at %s is not read yet; jobs are listed without their order", p, model.ShortSHA(k.sha))
	case res.err != nil:
		return nil, nil, "", false, fmt.Errorf("%s at %s: %v; jobs are listed without their order", p, model.ShortSHA(k.sha), res.err)
	}
	called = map[string]*wfFile{}
	key, complete = fmt.Sprint(k), true
	for _, j := range res.file.Jobs {
		ck, ok := calledFile(svc.Repo, r, j.Uses)
		if !ok {
			continue
		}
		key += "|" + fmt.Sprint(ck)
		cr, have := s.files.get(ck)
		complete = complete && have && cr.retryAt.IsZero()
		if have && cr.file != nil {
			called[j.Uses] = cr.file
		}
	}
	return res.file, called, key, complete, nil
}

// readFile reads and parses one workflow file and remembers the outcome.
// A failure that may pass is remembered with a time to try again, so the
// graph says why it is missing meanwhile: the next poll for throttling, a
// 5xx or no answer; refusedRetry for a token that may not read the file.
func (s *Source) readFile(ctx context.Context, k fileKey) {
	src, err := s.client.File(ctx, k.repo, k.path, k.sha)
	switch {
	case errors.Is(err, providers.ErrNotFound):
		s.files.put(k, fileResult{err: fmt.Errorf("not found in %s", k.repo)})
	case errors.Is(err, errTooLarge):
		s.files.put(k, fileResult{err: errTooLarge})
	case err != nil:
		var ae *APIError
		switch {
		case errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden):
			s.files.put(k, fileResult{err: err, retryAt: s.now().Add(refusedRetry)})
		case errors.As(err, &ae) && ae.Status < 500:
			s.files.put(k, fileResult{err: err})
		default:
			s.files.put(k, fileResult{err: err, retryAt: s.now()})
		}
	default:
		f, perr := parseWorkflow(src)
		if perr != nil {
			perr = fmt.Errorf("does not parse (%w)", perr)
		}
		s.files.put(k, fileResult{file: f, err: perr})
	}
}

// calledFile is where the workflow a job calls lives: in the run's own
// repository at its commit (uses: ./.github/workflows/x.yml), or in
// another repository at the commit the run pinned it to
// (run.referenced_workflows).
func calledFile(repo string, r *github.WorkflowRun, uses string) (fileKey, bool) {
	if uses == "" || r == nil {
		return fileKey{}, false
	}
	if p := localCall(uses); p != "" {
		return fileKey{repo, p, r.GetHeadSHA()}, true
	}
	ref, _, ok := strings.Cut(uses, "@")
	parts := strings.SplitN(ref, "/", 3)
	if !ok || len(parts) < 3 {
		return fileKey{}, false
	}
	for _, rw := range r.ReferencedWorkflows {
		if rw.GetPath() == uses && rw.GetSHA() != "" {
			return fileKey{parts[0] + "/" + parts[1], parts[2], rw.GetSHA()}, true
		}
	}
	return fileKey{}, false
}

// workflowPath is where the service's workflow file lives.
func (s *Source) workflowPath(ctx context.Context, svc Service) (string, error) {
	wf := svc.Workflow
	if strings.Contains(wf, "/") {
		return wf, nil
	}
	id, err := strconv.ParseInt(wf, 10, 64)
	if err != nil {
		return ".github/workflows/" + wf, nil
	}
	key := svc.Repo + "#" + wf
	s.mu.Lock()
	p, ok := s.paths[key]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err = s.client.WorkflowPath(ctx, svc.Repo, id)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.paths[key] = p
	s.mu.Unlock()
	return p, nil
}

// service finds a configured service by name.
func (s *Source) service(name string) (Service, error) {
	for _, sv := range s.services {
		if sv.Name == name {
			return sv, nil
		}
	}
	return Service{}, fmt.Errorf("GitHub: %s is not a service this source reads: %w", name, providers.ErrNotFound)
}
