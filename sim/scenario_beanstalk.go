package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/beanstalk"
	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The demo's Elastic Beanstalk service: shop, a storefront on one
// Beanstalk application, with staging and production as a blue/green
// pair (shop-blue holds the production CNAME, shop-green is the standby
// running the release before).
//
// It draws from a random source of its own, seeded from the world's, so
// that the services on ECS are exactly as they were before it came.

const (
	ebShop            = "shop"
	ebShopStaging     = "shop-staging"
	ebShopBlue        = "shop-blue"
	ebShopGreen       = "shop-green"
	ebShopBucket      = "elasticbeanstalk-us-east-1-123456789012"
	ebShopReleases    = 8
	ebShopReleaseGap  = 4 * time.Hour
	ebShopCNAMEPrefix = "shop-prod"
)

// ebService is a service on Elastic Beanstalk, as the config names it.
type ebService struct {
	name, app string
	envs      []ebEnv
	rng       *rand.Rand // its own random source: commits and pipelines
	// canaryBad: commits that pass staging but fail under production's
	// traffic (a traffic-splitting canary that goes bad).
	canaryBad map[string]bool
}

type ebEnv struct {
	name, env, standby string
	protected          bool
}

var shopSubjects = []string{
	"Show stock levels on the product page",
	"Fix the basket total when a coupon expires",
	"Add Apple Pay to checkout",
	"Paginate the order history",
	"Cache category pages for a minute",
	"Fix the currency switcher on Safari",
	"Send the order confirmation email from the queue",
	"Trim the product JSON for mobile clients",
}

// seedBeanstalk builds shop's history, ending at t0; the loop is held.
func (w *World) seedBeanstalk(t0 time.Time) {
	r := rand.New(rand.NewPCG(uint64(w.seed), 0x5409eb))
	repo := "acme/" + ebShop
	w.ci.AddRepo(ebShop, repo, []ci.Env{{Name: "staging"}, {Name: "production", Protected: true}}, nil).Rand = r
	w.prNumber[ebShop] = 100 + r.IntN(900)

	start := t0.Add(-w.loop.Pace(time.Duration(ebShopReleases+1) * ebShopReleaseGap))
	var labels []string
	es := &ebService{name: ebShop, app: ebShop, rng: r, canaryBad: map[string]bool{}}
	for i := range ebShopReleases {
		at := start.Add(w.loop.Pace(time.Duration(i)*ebShopReleaseGap + time.Duration(r.IntN(60))*time.Minute))
		c := w.shopCommit(es)
		c.Time = at
		label := ebShop + "-" + c.SHA[:7]
		w.beanstalk.AddVersion(ebShop, label, c.Subject+" ("+c.SHA+")", ebShopBucket,
			fmt.Sprintf("%s/%s.zip", ebShop, label), at.Add(w.loop.Pace(3*time.Minute)))
		labels = append(labels, label)
	}
	created := start.Add(-w.loop.Pace(2 * time.Hour))
	w.beanstalk.AddEnvironment(beanstalk.EnvSpec{App: ebShop, Name: ebShopStaging, CNAME: "shop-staging",
		Label: labels[0], Instances: 2, RPS: 3, At: created})
	w.beanstalk.AddEnvironment(beanstalk.EnvSpec{App: ebShop, Name: ebShopBlue, CNAME: ebShopCNAMEPrefix,
		Label: labels[0], Instances: 4, RPS: 40, At: created, Policy: beanstalk.PolicyTrafficSplitting})
	w.beanstalk.AddEnvironment(beanstalk.EnvSpec{App: ebShop, Name: ebShopGreen, CNAME: ebShopCNAMEPrefix + "-standby",
		Label: labels[0], Instances: 4, RPS: 40, Standby: true, At: created, Policy: beanstalk.PolicyTrafficSplitting})
	// Each release reaches staging after its build, production (the live
	// side) once approved; the standby keeps the release before.
	for i, label := range labels {
		if i == 0 {
			continue
		}
		at := start.Add(w.loop.Pace(time.Duration(i)*ebShopReleaseGap + 90*time.Minute))
		w.beanstalk.Deployed(ebShopStaging, label, at)
		if i == len(labels)-1 {
			continue
		}
		w.beanstalk.Deployed(ebShopBlue, label, at.Add(w.loop.Pace(60*time.Minute)))
		if i > 1 {
			w.beanstalk.Deployed(ebShopGreen, labels[i-1], at.Add(w.loop.Pace(50*time.Minute)))
		}
	}
	es.envs = []ebEnv{
		{name: "staging", env: ebShopStaging},
		{name: "production", env: ebShopBlue, standby: ebShopGreen, protected: true},
	}
	w.ebServices = []*ebService{es}

	// Live: a commit is in its tests at t0, reaches staging at about
	// t0+15 s (a rolling deploy, two batches), waits at hold-production
	// until a colleague approves it about three minutes in, then
	// production (traffic splitting) sends a canary 10 % of the traffic
	// and, after the evaluation, all of it (about t0+6 min). The next
	// commit passes staging but its canary goes bad in production: the
	// canary degrades and the deploy is rolled back (about t0+12 min).
	// From then on the team commits every few minutes, each commit built,
	// deployed to staging and held.
	s := time.Second
	plan := ci.Plan{
		Durations:  map[string]time.Duration{"build": 20 * s, "test": 40 * s, "deploy-staging": 3 * s, "deploy-production": 3 * s},
		NoTestFail: true, ApproveAfter: 150 * s,
	}
	w.loop.At(t0.Add(-w.loop.Pace(50*s)), func() { w.ci.Start(ebShop, w.shopCommit(es), plan) })
	w.loop.At(t0.Add(w.loop.Pace(4*time.Minute)), func() {
		c := w.shopCommit(es)
		es.canaryBad[c.SHA] = true
		w.ci.Start(ebShop, c, plan)
	})
	w.loop.At(t0.Add(w.loop.Pace(14*time.Minute)), func() { w.shopCommits(es) })
}

// shopCommits lands shop's next commit and builds it, then schedules the
// one after, at the live tempo, from shop's own random source.
func (w *World) shopCommits(es *ebService) {
	w.ci.Start(ebShop, w.shopCommit(es), ci.Plan{})
	lo, hi := w.tempo.commitEvery[0], w.tempo.commitEvery[1]
	w.loop.After(w.loop.Pace(lo+time.Duration(es.rng.Int64N(int64(hi-lo)+1))), func() { w.shopCommits(es) })
}

// shopCommit lands a teammate's commit on shop's main branch.
func (w *World) shopCommit(es *ebService) *ci.Commit {
	r := es.rng
	w.prNumber[ebShop] += 1 + r.IntN(3)
	return w.ci.AddCommit(ebShop, ci.Commit{
		SHA:     ids.Hex(r, 40),
		Subject: fmt.Sprintf("%s (#%d)", shopSubjects[r.IntN(len(shopSubjects))], w.prNumber[ebShop]),
		Author:  team[r.IntN(len(team))],
		Time:    w.loop.Now(),
	})
}

func (w *World) ebService(name string) *ebService {
	for _, es := range w.ebServices {
		if es.name == name {
			return es
		}
	}
	return nil
}

// ebDeployment prefixes the deployment id a Beanstalk deploy job waits on
// (the UpdateEnvironment's request id), so the glue tells it from ECS's.
const ebDeployment = "beanstalk:"

// deployBeanstalk is a deploy job of a Beanstalk service: the commit's
// application version created if missing (from its bundle in S3), then
// UpdateEnvironment on the environment, for a blue/green pair on the side
// holding the production CNAME.
func (w *World) deployBeanstalk(es *ebService, envName, sha string) (string, string, bool) {
	i := slices.IndexFunc(es.envs, func(e ebEnv) bool { return e.name == envName })
	if i < 0 {
		return "", "", false
	}
	e := es.envs[i]
	target := e.env
	if e.standby != "" && w.beanstalk.CNAME(e.standby) == ebShopCNAMEPrefix+"."+ecs.DefaultRegion+".elasticbeanstalk.com" {
		target = e.standby
	}
	label := es.app + "-" + sha[:7]
	subject := ""
	for _, c := range w.ci.Repo(es.name).Commits {
		if c.SHA == sha {
			subject = c.Subject
		}
	}
	w.beanstalk.AddVersion(es.app, label, subject+" ("+sha+")", ebShopBucket, es.app+"/"+label+".zip", w.loop.Now())
	if w.bad[sha] || es.canaryBad[sha] && e.standby != "" {
		w.beanstalk.MarkBad(es.app, label)
	}
	if w.beanstalk.Label(target) == label {
		return label, "", true
	}
	rid, err := w.beanstalk.Update(target, label)
	if err != nil {
		return "", "", false
	}
	return label, ebDeployment + rid, true
}
