package beanstalk

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"

	"github.com/airside-dev/flightdeck/model"
)

// historyLimit is how many application versions History lists.
const historyLimit = 25

// historyEvents is how many events History reads to tell when each
// version ran here (one DescribeEvents page).
const historyEvents = 1000

// History lists the application's versions, newest first (at most 25):
// label, SHA, bundle, when each last started running in this environment
// and for how long (from the environment's events: an update that
// completed, and the version label its events carry). A version whose
// processing failed, or that is unprocessed or still processing, is shown
// but not offered (Available false, Why says so).
//
// Calls: DescribeEnvironments 1, DescribeApplicationVersions 1,
// DescribeEvents 1.
func (s *Source) History(ctx context.Context, key model.EnvKey) ([]model.Revision, error) {
	e, err := s.env(key)
	if err != nil {
		return nil, err
	}
	live, _, _, err := s.pair(ctx, e)
	if err != nil {
		return nil, err
	}
	versions, err := s.describeVersions(ctx, e.Application, nil)
	if err != nil {
		return nil, err
	}
	versions = newestFirst(versions)
	if len(versions) > historyLimit {
		versions = versions[:historyLimit]
	}
	ran := s.ranHere(ctx, e.Application, live)
	current := aws.ToString(live.VersionLabel)
	out := make([]model.Revision, 0, len(versions))
	for _, v := range versions {
		r := model.Revision{
			Version:   versionOf(e, v.label, v),
			Current:   v.label == current,
			Available: v.deployable() == "",
			Why:       v.deployable(),
		}
		if p, ok := ran[v.label]; ok {
			r.DeployedAt, r.RanFor = p.start, p.ranFor
		}
		out = append(out, r)
	}
	return out, nil
}

// ranPeriod is when a version last started running here, and how long it
// ran before the next deploy replaced it (zero while it still runs).
type ranPeriod struct {
	start  time.Time
	ranFor time.Duration
}

// ranHere reads the environment's events and says, by label, when each
// version last began running and for how long: each update that completed
// well puts its label in service from when it started. Best effort: no
// events, no periods.
func (s *Source) ranHere(ctx context.Context, app string, d types.EnvironmentDescription) map[string]ranPeriod {
	if s.skipped(opDescribeEvents) {
		return nil
	}
	in := &eb.DescribeEventsInput{ApplicationName: aws.String(app), EnvironmentName: d.EnvironmentName, MaxRecords: aws.Int32(historyEvents)}
	out, err := s.client.DescribeEvents(ctx, in)
	if err != nil {
		s.noteUnsupported(opDescribeEvents, err)
		return nil
	}
	evs := slices.Clone(out.Events)
	sort.SliceStable(evs, func(i, j int) bool { return aws.ToTime(evs[i].EventDate).Before(aws.ToTime(evs[j].EventDate)) })
	type start struct {
		at    time.Time
		label string
	}
	var starts []start
	var u update
	for _, ev := range evs {
		if n := aws.ToString(ev.EnvironmentName); n != "" && n != aws.ToString(d.EnvironmentName) {
			continue
		}
		was := u.succeeded
		u.apply(ev, "")
		if u.succeeded && !was && u.to != "" && !u.started.IsZero() {
			starts = append(starts, start{u.started, u.to})
		}
	}
	ran := map[string]ranPeriod{}
	for i, st := range starts {
		p := ranPeriod{start: st.at}
		if i+1 < len(starts) {
			p.ranFor = starts[i+1].at.Sub(st.at)
		}
		ran[st.label] = p // a later start overwrites an earlier one
	}
	return ran
}

// pair reads the environment and its standby live (one
// DescribeEnvironments) and says which side holds the production CNAME.
func (s *Source) pair(ctx context.Context, e Environment) (live, standby types.EnvironmentDescription, hasStandby bool, err error) {
	got, err := s.describeApp(ctx, e.Application, e.names())
	if err != nil {
		return live, standby, false, err
	}
	main, ok := got[e.Name]
	if !ok {
		return live, standby, false, s.missing(ctx, e.Application, e.Name)
	}
	standby, hasStandby = got[e.Standby]
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mem(envRef{e.Application, e.Name}); m.cname == "" {
		m.cname = aws.ToString(main.CNAME)
	}
	if hasStandby && s.swapped(e, main, standby) {
		return standby, main, true, nil
	}
	return main, standby, hasStandby, nil
}
