// Package workflows is test support only: the large workflows the UI's
// benchmarks draw, shared so the graph's and the detail screen's numbers
// measure the same shape.
package workflows

import (
	"fmt"
	"strconv"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// Monorepo is a monorepo's release workflow of 5·services+5 jobs, as of
// now: per service a build, unit tests and lint; one integration suite
// needing every unit test; per service a staging deploy needing
// integration and its lint (every third still running); smoke tests; one
// approval; per service a production deploy; a final notification.
func Monorepo(services int, now time.Time) []model.Job {
	ago := func(min int) time.Time { return now.Add(-time.Duration(min) * time.Minute) }
	done := func(j model.Job, min int) model.Job {
		j.Status, j.StartedAt, j.StoppedAt = model.RunSuccess, ago(min+3), ago(min)
		return j
	}
	digits := len(strconv.Itoa(max(1, services-1)))
	name := func(s int) string { return fmt.Sprintf("service-%0*d", max(2, digits), s) }
	js := []model.Job{done(model.Job{Name: "checkout"}, 60)}
	var units, stagings, prods []string
	for s := range services {
		svc := name(s)
		units = append(units, "unit-"+svc)
		js = append(js,
			done(model.Job{Name: "build-" + svc, Needs: []string{"checkout"}}, 50),
			done(model.Job{Name: "unit-" + svc, Needs: []string{"build-" + svc}}, 40),
			done(model.Job{Name: "lint-" + svc, Needs: []string{"checkout"}}, 55))
	}
	js = append(js, done(model.Job{Name: "integration", Needs: units}, 30))
	for s := range services {
		svc := name(s)
		stagings = append(stagings, "deploy-staging-"+svc)
		j := model.Job{Name: "deploy-staging-" + svc, Needs: []string{"integration", "lint-" + svc},
			Status: model.RunRunning, StartedAt: ago(2)}
		if s%3 != 0 {
			j = done(j, 10)
		}
		js = append(js, j)
	}
	js = append(js, model.Job{Name: "smoke-staging", Needs: stagings, Status: model.RunQueued},
		model.Job{Name: "hold-production", Needs: []string{"smoke-staging"}, Approval: true, Status: model.RunBlocked})
	for s := range services {
		n := "deploy-production-" + name(s)
		prods = append(prods, n)
		js = append(js, model.Job{Name: n, Needs: []string{"hold-production"}, Status: model.RunBlocked})
	}
	return append(js, model.Job{Name: "notify", Needs: prods, Status: model.RunBlocked})
}
