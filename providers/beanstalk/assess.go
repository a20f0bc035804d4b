package beanstalk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// status is one configured environment as this poll read it: the live
// side's version, state, health and events, and for a blue/green pair
// what the standby looks like.
func (s *Source) status(ctx context.Context, e Environment, found map[envRef]types.EnvironmentDescription, extras map[envRef]*extra, appErr error) (model.EnvStatus, error) {
	if appErr != nil {
		return model.EnvStatus{}, appErr
	}
	main, ok := found[envRef{e.Application, e.Name}]
	if !ok {
		return model.EnvStatus{}, s.missing(ctx, e.Application, e.Name)
	}
	standby, hasStandby := found[envRef{e.Application, e.Standby}]
	var st model.EnvStatus
	err := providers.Guard("beanstalk", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.remember(envRef{e.Application, e.Name}, main, extras)
		if hasStandby {
			s.remember(envRef{e.Application, e.Standby}, standby, extras)
		}
		live, other, otherFound := main, standby, hasStandby
		if hasStandby && s.swapped(e, main, standby) {
			live, other = standby, main
		}
		st = s.assess(e, live, extras)
		if e.Standby != "" {
			st.BlueGreen = s.blueGreen(e, live, other, otherFound, extras)
		}
		return nil
	})
	if err != nil {
		return model.EnvStatus{}, fmt.Errorf("beanstalk: %s/%s: %w", e.Application, e.Name, err)
	}
	st.Service, st.Environment, st.Target = e.Key.Service, e.Key.Environment, model.TargetBeanstalk
	return st, nil
}

// remember takes this poll's events and description of one Beanstalk
// environment into its memory, once per poll however many configured
// environments share it; s.mu is held.
func (s *Source) remember(ref envRef, d types.EnvironmentDescription, extras map[envRef]*extra) {
	x := extras[ref]
	if x == nil || x.taken {
		return
	}
	m := s.mem(ref)
	if x.asked {
		m.take(x.events)
	}
	if x.cfg != nil {
		m.cfg = x.cfg
	}
	if x.inst != nil {
		to := m.upd.to
		if to == "" {
			to = aws.ToString(d.VersionLabel)
		}
		m.canary.take(x.inst, m.upd, to)
	}
	m.observe(d)
	if x.wanted && !x.asked {
		// The change was not read: forget having seen it, so that the
		// next poll asks for the events again.
		m.updated = time.Time{}
	}
	x.taken = true
}

// swapped reports that the standby holds the production CNAME: the one
// the configured live environment held when this source first read it.
func (s *Source) swapped(e Environment, main, standby types.EnvironmentDescription) bool {
	prod := s.mem(envRef{e.Application, e.Name}).cname
	return prod != "" && aws.ToString(standby.CNAME) == prod && aws.ToString(main.CNAME) != prod
}

// assess maps one Beanstalk environment to the model; s.mu is held.
func (s *Source) assess(e Environment, d types.EnvironmentDescription, extras map[envRef]*extra) model.EnvStatus {
	ref := envRef{e.Application, aws.ToString(d.EnvironmentName)}
	m := s.mem(ref)
	label := aws.ToString(d.VersionLabel)
	st := model.EnvStatus{
		Version:    s.versionLocked(e, label),
		State:      model.StateSteady,
		Events:     slices.Clone(m.events),
		ConsoleURL: awsx.ConsoleURL(s.region, "/elasticbeanstalk/home", "/environment/dashboard?environmentId="+aws.ToString(d.EnvironmentId)),
	}
	if x := extras[ref]; x != nil {
		st.Health = x.health
	}
	u := m.upd
	switch d.Status {
	case types.EnvironmentStatusUpdating, types.EnvironmentStatusLaunching, types.EnvironmentStatusAborting:
		st.State = model.StateDeploying
		if u.failed || d.Status == types.EnvironmentStatusAborting {
			st.State = model.StateFailed
		}
		st.Deployment = s.deployment(e, d, u, st.Health)
		if st.State == model.StateFailed {
			st.Deployment.Rollback = model.RollbackInProgress
		}
		st.Canary = s.canary(e, d, m)
	case types.EnvironmentStatusReady:
		if u.failed {
			st.State, st.Deployment = s.afterFailure(e, label, u)
		} else if u.succeeded && !u.started.IsZero() {
			st.Since = u.started
		}
	default:
		// Terminating, LinkingFrom, LinkingTo and values to come: not a
		// deploy, not steady either.
		st.State = model.StateUnknown
	}
	return st
}

// deployment is the update in flight: from what ran before to the label
// deploying, with the instances done of the total and the batch.
func (s *Source) deployment(e Environment, d types.EnvironmentDescription, u update, h *model.Health) *model.Deployment {
	to := u.to
	if to == "" {
		to = aws.ToString(d.VersionLabel)
	}
	dep := &model.Deployment{
		FromSHA:   s.versionLocked(e, u.from).SHA,
		ToSHA:     s.versionLocked(e, to).SHA,
		Running:   u.updated,
		Desired:   u.instancesTotal,
		StartedAt: u.started,
		Reason:    u.reason,
		Batch:     u.batch,
		Batches:   u.batches,
	}
	if dep.StartedAt.IsZero() {
		dep.StartedAt = aws.ToTime(d.DateUpdated)
	}
	if dep.Desired == 0 && h != nil && h.Instances != nil {
		dep.Desired = h.Instances.Total()
	}
	return dep
}

// afterFailure is the state of a Ready environment whose last update
// failed: rolled back once it runs what it ran before (Beanstalk resets
// the label to the last good version) or the events say so, failed while
// it still runs the new version, on some instances at least. It is never
// steady: that would pass the old version off as the release.
func (s *Source) afterFailure(e Environment, label string, u update) (model.DeployState, *model.Deployment) {
	dep := &model.Deployment{FromSHA: s.versionLocked(e, u.from).SHA, ToSHA: s.versionLocked(e, u.to).SHA, StartedAt: u.started, Reason: u.reason}
	if (u.from != "" && label == u.from) || u.rolledBack {
		// As ECS shows a rollback: from the failed version to the one
		// restored.
		dep.FromSHA, dep.ToSHA = dep.ToSHA, s.versionLocked(e, label).SHA
		dep.Rollback = model.RollbackDone
		return model.StateRolledBack, dep
	}
	if u.rollingBack {
		dep.Rollback = model.RollbackInProgress
	}
	return model.StateFailed, dep
}

// versionLocked is the model's version of a label; s.mu is held.
func (s *Source) versionLocked(e Environment, label string) model.Version {
	return versionOf(e, label, s.versions[versionRef{e.Application, label}])
}

// blueGreen describes the pair: which side is live, what the standby
// runs and how it is, and whether a swap may go ahead now.
func (s *Source) blueGreen(e Environment, live, standby types.EnvironmentDescription, standbyFound bool, extras map[envRef]*extra) *model.BlueGreen {
	bg := &model.BlueGreen{Live: aws.ToString(live.EnvironmentName), Standby: e.Standby, CNAME: aws.ToString(live.CNAME)}
	if bg.Live == e.Standby {
		bg.Standby = e.Name
	}
	if !standbyFound {
		bg.Blocked = fmt.Sprintf("the standby %s was not found in application %s", bg.Standby, e.Application)
		return bg
	}
	bg.StandbyVersion = s.versionLocked(e, aws.ToString(standby.VersionLabel))
	bg.StandbyStatus = string(standby.Status)
	if x := extras[envRef{e.Application, bg.Standby}]; x != nil {
		bg.StandbyHealth = x.health
	}
	bg.Blocked = swapBlocked(live, standby, bg.StandbyHealth)
	return bg
}

// swapBlocked says why a CNAME swap may not go ahead, or "": either side
// updating (or otherwise not Ready), or the standby not Green and, with
// enhanced health, not Ok.
func swapBlocked(live, standby types.EnvironmentDescription, standbyHealth *model.Health) string {
	for _, d := range []types.EnvironmentDescription{live, standby} {
		if d.Status != types.EnvironmentStatusReady || aws.ToBool(d.AbortableOperationInProgress) {
			return fmt.Sprintf("%s is %s; wait until it is Ready", aws.ToString(d.EnvironmentName), describeStatus(d))
		}
	}
	name := aws.ToString(standby.EnvironmentName)
	color, status := string(standby.Health), string(standby.HealthStatus)
	if standbyHealth != nil {
		color, status = standbyHealth.Color, standbyHealth.Status
	}
	if color != string(types.EnvironmentHealthGreen) {
		return fmt.Sprintf("the standby %s is not healthy (health %s); it must be Green", name, orNone(color))
	}
	if status != "" && status != string(types.EnvironmentHealthStatusOk) {
		return fmt.Sprintf("the standby %s is not healthy (status %s); it must be Ok", name, status)
	}
	return ""
}

func describeStatus(d types.EnvironmentDescription) string {
	st := string(d.Status)
	if st == "" {
		st = "in an unknown state"
	}
	if aws.ToBool(d.AbortableOperationInProgress) && d.Status == types.EnvironmentStatusReady {
		st = "still finishing an operation"
	}
	return st
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// existingNames are the applications or environments that exist, as read
// at a time.
type existingNames struct {
	at    time.Time
	names []string
	apps  bool // names are applications: the application was missing
}

// missing is the error for an environment that DescribeEnvironments did
// not return: not found, naming what exists instead (the application's
// environments, or the applications when it has none). Which names exist
// is read at most every namesFor per application.
func (s *Source) missing(ctx context.Context, app, name string) error {
	ex := s.existingIn(ctx, app)
	switch {
	case ex.apps && slices.Contains(ex.names, app):
		return fmt.Errorf("beanstalk: environment %s not found: application %s has no environments: %w", name, app, providers.ErrNotFound)
	case ex.apps && len(ex.names) == 0:
		return fmt.Errorf("beanstalk: application %s not found (no applications in this region): %w", app, providers.ErrNotFound)
	case ex.apps:
		return fmt.Errorf("beanstalk: application %s not found or has no environments (applications: %s): %w", app, nameList(ex.names), providers.ErrNotFound)
	case len(ex.names) == 0:
		return fmt.Errorf("beanstalk: environment %s not found in application %s: %w", name, app, providers.ErrNotFound)
	}
	return fmt.Errorf("beanstalk: environment %s not found in application %s (it has: %s): %w", name, app, nameList(ex.names), providers.ErrNotFound)
}

func (s *Source) existingIn(ctx context.Context, app string) existingNames {
	s.mu.Lock()
	ex, ok := s.existing[app]
	s.mu.Unlock()
	if ok && s.now().Sub(ex.at) < namesFor {
		return ex
	}
	ex = existingNames{at: s.now()}
	if out, err := s.client.DescribeEnvironments(ctx, &eb.DescribeEnvironmentsInput{ApplicationName: aws.String(app), IncludeDeleted: aws.Bool(false)}); err == nil {
		for _, d := range out.Environments {
			if sameApp(d, app) && d.Status != types.EnvironmentStatusTerminated {
				ex.names = append(ex.names, aws.ToString(d.EnvironmentName))
			}
		}
	}
	if len(ex.names) == 0 {
		if out, err := s.client.DescribeApplications(ctx, &eb.DescribeApplicationsInput{}); err == nil {
			ex.apps = true
			for _, a := range out.Applications {
				ex.names = append(ex.names, aws.ToString(a.ApplicationName))
			}
		}
	}
	s.mu.Lock()
	s.existing[app] = ex
	s.mu.Unlock()
	return ex
}

// nameList is names sorted, at most ten of them, then how many more.
func nameList(names []string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}
