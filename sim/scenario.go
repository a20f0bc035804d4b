package sim

import (
	"fmt"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/github"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The demo scenario: four services of a shop (api, web, worker, payments)
// on ECS clusters named per environment, with about a day and a half of
// history (commits, pipelines, task definition revisions, service
// deployments, one or two failed deploys) produced by running the world
// itself, then a few scripted scenes so the first minute shows a rollout, a
// production gate being approved and a deploy the circuit breaker rolls back.

type catalogueEnv struct {
	name, cluster, region string
	desired               int
	protected             bool
	keepActive            int // retention: ACTIVE task definition revisions kept
	firstRevision         int // the family's first revision number
}

type catalogueService struct {
	name     string
	port     int
	cpu      int
	labelled bool   // the image carries org.opencontainers.image.revision; else the tag is the only SHA
	ci       string // its CI: ciCircleCI or ciGitHubActions
	envs     []*catalogueEnv
	subjects []string
}

// CI providers as the config names them.
const (
	ciCircleCI      = "circleci"
	ciGitHubActions = "github-actions"
)

func (cs *catalogueService) env(name string) *catalogueEnv {
	for _, e := range cs.envs {
		if e.name == name {
			return e
		}
	}
	return nil
}

// tempo is how busy the team is: commit rate and how often a build is
// bad, and (the CI part's) how often and how soon a colleague approves a
// production gate and how often tests fail.
type tempo struct {
	commitEvery [2]time.Duration
	badP        float64
	ci          ci.Tempo
}

var (
	historyTempo = tempo{
		commitEvery: [2]time.Duration{40 * time.Minute, 150 * time.Minute}, badP: 0.06,
		ci: ci.Tempo{ApproveP: 0.35, ApproveAfter: [2]time.Duration{5 * time.Minute, 40 * time.Minute}, TestFailP: 0.05},
	}
	liveTempo = tempo{
		commitEvery: [2]time.Duration{60 * time.Second, 180 * time.Second}, badP: 0.1,
		ci: ci.Tempo{ApproveP: 0.75, ApproveAfter: [2]time.Duration{30 * time.Second, 120 * time.Second}, TestFailP: 0.05},
	}
)

// setTempo sets the tempo, the CI part's included.
func (w *World) setTempo(t tempo) {
	w.tempo = t
	w.ci.SetTempo(t.ci)
}

const (
	clusterDev        = "dev"
	clusterStaging    = "staging"
	clusterProduction = "production"
	regionStaging     = "us-east-1"
	regionProduction  = "eu-west-1"
)

func demoCatalogue() []*catalogueService {
	dev := func(n int) *catalogueEnv {
		return &catalogueEnv{name: "dev", cluster: clusterDev, region: regionStaging, desired: n}
	}
	staging := func(n int) *catalogueEnv {
		return &catalogueEnv{name: "staging", cluster: clusterStaging, region: regionStaging, desired: n}
	}
	prod := func(n int) *catalogueEnv {
		return &catalogueEnv{name: "production", cluster: clusterProduction, region: regionProduction, desired: n, protected: true}
	}
	return []*catalogueService{
		{name: "api", port: 8080, cpu: 512, labelled: true, ci: ciCircleCI, envs: []*catalogueEnv{dev(2), staging(3), prod(6)}, subjects: apiSubjects},
		{name: "web", port: 3000, cpu: 256, labelled: true, ci: ciGitHubActions, envs: []*catalogueEnv{staging(2), prod(4)}, subjects: webSubjects},
		{name: "worker", port: 9000, cpu: 1024, labelled: false, ci: ciGitHubActions, envs: []*catalogueEnv{staging(2), prod(3)}, subjects: workerSubjects},
		{name: "payments", port: 8443, cpu: 512, labelled: true, ci: ciCircleCI, envs: []*catalogueEnv{staging(3), prod(4)}, subjects: paymentsSubjects},
	}
}

// demoBreakerThreshold is the demo services' deployment configuration:
// rolling, with the circuit breaker on (tripping after 3 failed tasks) and
// rollback enabled.
const demoBreakerThreshold = 3

// Scenario timings, before pacing.
const (
	historyLength = 36 * time.Hour
	historyQuiet  = 30 * time.Minute // no new history commits this close to the pre-roll
	preRoll       = 5 * time.Minute  // scripted scenes start this long before t0

	preHistoryReleases = 8 // more than any family keeps ACTIVE, so some are deregistered
)

// seedDemo builds the demo world so that at t0 it has history and motion.
// The loop is held.
func (w *World) seedDemo(t0 time.Time) {
	preroll := t0.Add(-w.loop.Pace(preRoll))
	histEnd := preroll.Add(-w.loop.Pace(historyQuiet))
	w.loop.SetNow(preroll.Add(-w.loop.Pace(historyLength)))
	w.setTempo(historyTempo)
	w.catalogue = demoCatalogue()

	for _, cs := range w.catalogue {
		repo := "acme/" + cs.name
		w.prNumber[cs.name] = 100 + w.loop.Rand().IntN(900)
		var envs []ci.Env
		for _, e := range cs.envs {
			envs = append(envs, ci.Env{Name: e.name, Protected: e.protected})
		}
		var actions *ci.Actions
		if cs.ci == ciGitHubActions {
			svc := github.Service{Name: cs.name, Account: w.account, Labelled: cs.labelled}
			for _, e := range cs.envs {
				svc.Envs = append(svc.Envs, github.Env{Name: e.name, Cluster: e.cluster, Region: e.region, Protected: e.protected})
			}
			files := github.NewFiles(svc)
			w.github.AddFiles(repo, files)
			actions = files.Actions()
		}
		w.ci.AddRepo(cs.name, repo, envs, actions)
		for _, env := range cs.envs {
			env.keepActive = 3 + w.loop.Rand().IntN(4)
			env.firstRevision = 1 + w.loop.Rand().IntN(40)
			w.ecs.AddCluster(env.cluster, env.region)
		}
	}
	// Older releases, shipped to every environment in turn (from before
	// the CI history the world keeps), so each family has revisions to roll
	// back to whatever the history below turns out like.
	start := w.loop.Now()
	for i := 0; i < preHistoryReleases; i++ {
		w.loop.SetNow(start.Add(-w.loop.Pace(time.Duration(preHistoryReleases-i) * 3 * time.Hour)))
		for _, cs := range w.catalogue {
			c := w.newCommit(cs, false)
			for _, env := range cs.envs {
				td := w.registerForCommit(cs, env, c.SHA)
				if w.ecs.HasService(env.cluster, cs.name) {
					w.ecs.Deploy(env.cluster, cs.name, td)
				} else {
					w.ecs.CreateService(ecs.ServiceSpec{Cluster: env.cluster, Name: cs.name, TaskDef: td, Desired: env.desired,
						BreakerThreshold: demoBreakerThreshold, Tags: envTags(cs, env)})
				}
			}
		}
		w.loop.Advance(w.loop.Now().Add(w.loop.Pace(10 * time.Minute)))
	}
	w.loop.SetNow(start)
	w.seedNative(t0)
	for _, cs := range w.catalogue {
		w.scheduleCommits(cs, histEnd)
	}
	w.loop.Advance(preroll)

	// Live from here: the team commits every few minutes.
	w.setTempo(liveTempo)
	w.scriptScenes(t0)
	for _, cs := range w.catalogue {
		w.loop.At(t0.Add(w.loop.Between(60*time.Second, 150*time.Second)), func() {
			w.commitAndBuild(cs)
			w.scheduleCommits(cs, time.Time{})
		})
	}
	w.seedBeanstalk(t0)
	w.seedBlueGreen(t0)
	w.seedCanaries(t0)
	w.loop.Advance(t0)
}

// scheduleCommits has the service's next commit land after the tempo's
// interval, and so on, until end (zero: forever).
func (w *World) scheduleCommits(cs *catalogueService, end time.Time) {
	at := w.loop.Now().Add(w.loop.Between(w.tempo.commitEvery[0], w.tempo.commitEvery[1]))
	if !end.IsZero() && at.After(end) {
		return
	}
	w.loop.At(at, func() {
		w.commitAndBuild(cs)
		w.scheduleCommits(cs, end)
	})
}

func (w *World) commitAndBuild(cs *catalogueService) {
	c := w.newCommit(cs, w.loop.Chance(w.tempo.badP))
	w.ci.Start(cs.name, c, ci.Plan{})
}

// newCommit lands a commit of a teammate's on the service's main branch;
// bad builds an image that crashes on start.
func (w *World) newCommit(cs *catalogueService, bad bool) *Commit {
	w.prNumber[cs.name] += 1 + w.loop.Rand().IntN(3)
	subject := cs.subjects[w.loop.Rand().IntN(len(cs.subjects))]
	if w.loop.Chance(0.3) {
		subject = genericSubjects[w.loop.Rand().IntN(len(genericSubjects))]
	}
	c := ci.Commit{
		SHA:     ids.Hex(w.loop.Rand(), 40),
		Subject: fmt.Sprintf("%s (#%d)", subject, w.prNumber[cs.name]),
		Author:  team[w.loop.Rand().IntN(len(team))],
		Time:    w.loop.Now(),
	}
	if bad {
		w.bad[c.SHA] = true
	}
	return w.ci.AddCommit(cs.name, c)
}

func (w *World) catalogueService(name string) *catalogueService {
	for _, cs := range w.catalogue {
		if cs.name == name {
			return cs
		}
	}
	return nil
}

// scriptScenes pins the first minutes of the demo:
//   - web's newest commit (GitHub Actions) waits for a reviewer of the
//     production environment and a colleague approves it about 30 s after
//     t0, so production rolls 4 tasks;
//   - api's commit reaches staging a few seconds before t0: rolling at t0;
//   - payments' commit is a bad build: staging deploys it at about t0+5 s,
//     three tasks fail, the circuit breaker rolls back (done by about t0+60 s);
//   - worker's commit (GitHub Actions) is in its test matrix at t0 and
//     deploys to staging at about t0+40 s.
//
// Durations are keyed by the job's name in its workflow: "test" for a
// GitHub matrix's legs, "deploy-staging" for a reusable workflow's jobs.
func (w *World) scriptScenes(t0 time.Time) {
	scene := func(service string, before time.Duration, bad bool, plan ci.Plan) {
		cs := w.catalogueService(service)
		w.loop.At(t0.Add(-w.loop.Pace(before)), func() {
			c := w.newCommit(cs, bad)
			w.ci.Start(cs.name, c, plan)
		})
	}
	d := func(kv ...any) map[string]time.Duration {
		m := map[string]time.Duration{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(time.Duration)
		}
		return m
	}
	s := time.Second
	scene("web", 4*time.Minute, false, ci.Plan{
		Durations:    d("build", 30*s, "test", 50*s, "deploy-staging", 4*s),
		ApproveAfter: 170 * s, NoTestFail: true,
	})
	scene("api", 100*s, false, ci.Plan{
		Durations:  d("build", 25*s, "test", 45*s, "deploy-dev", 3*s, "deploy-staging", 3*s),
		NoTestFail: true, ApproveAfter: 150 * s,
	})
	scene("payments", 60*s, true, ci.Plan{
		Durations: d("build", 25*s, "test", 35*s, "deploy-staging", 5*s), NoTestFail: true,
	})
	scene("worker", 40*s, false, ci.Plan{
		Durations: d("build", 20*s, "test", 55*s, "deploy-staging", 4*s), NoTestFail: true,
	})
}

// apiUser owns the sim's CircleCI and GitHub tokens: the release manager
// at the keyboard, not one of the team who commit and approve on their own.
var apiUser = Person{Name: "Alex Rivera", Email: "alex.rivera@acme.example", Login: "arivera"}

var team = []Person{
	{Name: "Priya Raman", Email: "priya.raman@acme.example", Login: "praman"},
	{Name: "Tomás Ortega", Email: "tomas.ortega@acme.example", Login: "tortega"},
	{Name: "Hannah Becker", Email: "hannah.becker@acme.example", Login: "hbecker"},
	{Name: "Kwame Mensah", Email: "kwame.mensah@acme.example", Login: "kmensah"},
	{Name: "Yuki Tanaka", Email: "yuki.tanaka@acme.example", Login: "ytanaka"},
	{Name: "Sofia Lindqvist", Email: "sofia.lindqvist@acme.example", Login: "slindqvist"},
	{Name: "Daniel Okafor", Email: "daniel.okafor@acme.example", Login: "dokafor"},
	{Name: "Mei Chen", Email: "mei.chen@acme.example", Login: "meichen"},
}

var (
	apiSubjects = []string{
		"Add cursor pagination to GET /v2/orders",
		"Return 409 on a reused idempotency key",
		"Fix N+1 query when loading order line items",
		"Cache feature flags for 30 seconds",
		"Validate currency codes against ISO 4217",
		"Add p99 latency histogram to the request middleware",
		"Remove the deprecated /v1/users endpoint",
		"Retry Postgres serialization failures once",
		"Tighten the CORS allowlist for admin routes",
		"Include request IDs in structured error bodies",
	}
	webSubjects = []string{
		"Redesign the checkout summary card",
		"Lazy-load product images below the fold",
		"Fix hydration mismatch on the order history page",
		"Add a dark mode toggle to settings",
		"Upgrade Next.js to 15.3",
		"Show the delivery estimate on the cart page",
		"Fix the focus trap in the address modal",
		"Prefetch the account page on hover",
	}
	workerSubjects = []string{
		"Batch S3 uploads in the export job",
		"Make the invoice reminder job idempotent",
		"Lower the SQS visibility timeout for thumbnail jobs",
		"Alarm on the email dead-letter queue",
		"Fix the timezone bug in the nightly settlement report",
		"Reindex search per tenant in parallel",
		"Stop retrying webhooks that answered 4xx",
	}
	paymentsSubjects = []string{
		"Add the 3-D Secure challenge flow for EU cards",
		"Reconcile refunds with the ledger nightly",
		"Rotate the webhook signing secret",
		"Fix rounding in multi-currency payouts",
		"Guard against double capture on client retries",
		"Emit payment_failed events to Kafka",
		"Raise the timeout for acquirer authorisation calls",
	}
	genericSubjects = []string{
		"Bump golang.org/x/net from 0.38.0 to 0.39.0",
		"Update CODEOWNERS",
		"Fix a flaky integration test",
		"Refactor config loading",
		"Move the base image to debian:bookworm-slim",
		"Add missing labels to metrics",
		"Tidy up logging",
		"Update dependencies",
	}
)
