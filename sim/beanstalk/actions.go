package beanstalk

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// How long a rolling deploy takes over one batch of instances, and an
// abort or a swap over all of them, before pacing.
const (
	batchTime = 20 * time.Second
	abortTime = 12 * time.Second
	// A traffic-splitting deploy sends canaryPercent of the traffic to
	// new instances for canaryEvaluation before shifting it all.
	canaryPercent    = 10
	canaryEvaluation = 2 * time.Minute
)

// Outcome is how an update ended, for whoever waits on it (OnDone).
type Outcome int

const (
	Succeeded Outcome = iota
	Failed            // its deploy failed and Beanstalk rolled it back
	Aborted           // AbortEnvironmentUpdate rolled it back
)

// update is an environment's update in flight.
type update struct {
	requestID string
	from, to  string
	gen       int // the environment's generation it runs in
	batches   [][]string
	done      int         // batches completed
	doneAt    []time.Time // when each completed batch did
	failed    bool        // the deploy failed; Beanstalk is rolling it back
	// The deployment the update's instances carry, and the one before
	// (what the instances go back to when it fails or is aborted).
	deployID, prevDeployID int
	prevDeployedAt         time.Time
	// A traffic-splitting deploy's new instances: launched at canaryAt,
	// given canaryPercent of the traffic from splitAt (zero before).
	canaryIDs         []string
	canaryAt, splitAt time.Time
}

// Update starts a rolling deploy of label to the environment, as
// UpdateEnvironment does, and returns its request id. The scenario's
// deploy jobs call it; ok is false with why when Beanstalk would refuse.
func (pt *Part) Update(env, label string) (requestID string, e *awsproto.Error) {
	en := pt.env(env)
	if en == nil {
		return "", errInvalid("No Environment found for EnvironmentName = '" + awsproto.Clip(env) + "'.")
	}
	return pt.startUpdate(en, label)
}

// OnDone calls fn once when the update with requestID ends.
func (pt *Part) OnDone(requestID string, fn func(Outcome)) {
	pt.waiters[requestID] = append(pt.waiters[requestID], fn)
}

// MarkBad makes every deploy of an application version fail on its first
// batch, as a build that does not start would.
func (pt *Part) MarkBad(app, label string) { pt.bad[app+"\x00"+label] = true }

func (pt *Part) finish(rid string, o Outcome) {
	fns := pt.waiters[rid]
	delete(pt.waiters, rid)
	for _, fn := range fns {
		fn(o)
	}
}

func (pt *Part) version(app, label string) *appVersion {
	if a := pt.apps[app]; a != nil {
		for _, v := range a.versions {
			if v.label == label {
				return v
			}
		}
	}
	return nil
}

func invalidState(e *environment, want string) *awsproto.Error {
	return errInvalid(fmt.Sprintf("Environment named %s is in an invalid state for this operation. Must be %s.", e.name, want))
}

func (pt *Part) startUpdate(e *environment, label string) (string, *awsproto.Error) {
	if pt.version(e.app, label) == nil {
		return "", errInvalid(fmt.Sprintf("No Application Version named '%s' found.", awsproto.Clip(label)))
	}
	if e.status != StatusReady {
		return "", invalidState(e, StatusReady)
	}
	now := pt.loop.Now()
	e.gen++
	u := &update{requestID: ids.NameUUID("update", e.id, label, isoTime(now), fmt.Sprint(e.gen)),
		from: e.label, to: label, gen: e.gen, batches: batchesOf(e.instanceIDs),
		deployID: e.deployID + 1, prevDeployID: e.deployID, prevDeployedAt: e.deployedAt}
	e.deployID = u.deployID
	e.upd, e.label, e.status, e.abortable, e.updated = u, label, StatusUpdating, true, now
	pt.note(e, now, "INFO", u.requestID, "Environment update is starting.")
	if e.deployPolicy == PolicyTrafficSplitting {
		pt.after(e, u, 3*time.Second, func() { pt.startCanary(e, u) })
		return u.requestID, nil
	}
	pt.after(e, u, 3*time.Second, func() {
		pt.note(e, pt.loop.Now(), "INFO", u.requestID,
			fmt.Sprintf("Deploying new version to instance(s) in %d batches.", len(u.batches)))
		pt.nextBatch(e, u)
	})
	return u.requestID, nil
}

// after runs fn after d (paced) unless the update was aborted meanwhile.
func (pt *Part) after(e *environment, u *update, d time.Duration, fn func()) {
	pt.loop.After(pt.loop.Pace(d), func() {
		if e.upd == u && e.gen == u.gen {
			fn()
		}
	})
}

func (pt *Part) nextBatch(e *environment, u *update) {
	now := pt.loop.Now()
	if u.done == len(u.batches) {
		pt.note(e, now, "INFO", u.requestID, "New application version was deployed to running EC2 instances.")
		pt.note(e, now, "INFO", u.requestID, "Environment update completed successfully.")
		pt.settle(e, u, Succeeded)
		return
	}
	n, b := u.done+1, u.batches[u.done]
	pt.note(e, now, "INFO", u.requestID, fmt.Sprintf("Batch %d: Starting application deployment on instance(s) [%s].", n, strings.Join(b, ", ")))
	if pt.bad[e.app+"\x00"+u.to] {
		pt.after(e, u, batchTime, func() { pt.failUpdate(e, u, b) })
		return
	}
	pt.after(e, u, batchTime, func() {
		u.done++
		u.doneAt = append(u.doneAt, pt.loop.Now())
		pt.note(e, pt.loop.Now(), "INFO", u.requestID, fmt.Sprintf("Batch %d: Completed application deployment.", n))
		pt.nextBatch(e, u)
	})
}

// startCanary launches new instances for a traffic-splitting deploy and
// sends them canaryPercent of the traffic for the evaluation; a bad
// version's canary turns Degraded halfway and the deploy is rolled back
// at the end, a good one takes all the traffic.
func (pt *Part) startCanary(e *environment, u *update) {
	now := pt.loop.Now()
	n := max(1, e.instances/2)
	u.canaryIDs, u.canaryAt = newInstanceIDs(e, u, n), now
	pt.note(e, now, "INFO", u.requestID, fmt.Sprintf("Starting traffic-splitting deployment: launching %d new instance(s) running %s.", n, u.to))
	pt.after(e, u, 30*time.Second, func() {
		u.splitAt = pt.loop.Now()
		pt.note(e, pt.loop.Now(), "INFO", u.requestID, fmt.Sprintf("Sending %d percent of incoming client traffic to the new instance(s) for a %d-minute evaluation.",
			canaryPercent, int(canaryEvaluation/time.Minute)))
		bad := pt.bad[e.app+"\x00"+u.to]
		if bad {
			pt.after(e, u, canaryEvaluation/2, func() {
				e.color, e.health = ColorRed, HealthDegraded
				e.causes = []string{fmt.Sprintf("38.2 %% of the requests to the new instances (%s) are failing with HTTP 5xx.", u.to)}
				pt.note(e, pt.loop.Now(), "WARN", u.requestID, "Environment health has transitioned from Ok to Degraded. 38.2 % of the requests to the new instances are failing with HTTP 5xx.")
			})
		}
		pt.after(e, u, canaryEvaluation, func() {
			now := pt.loop.Now()
			if !bad {
				pt.note(e, now, "INFO", u.requestID, "Shifting all incoming client traffic to the new instance(s).")
				pt.note(e, now, "INFO", u.requestID, "New application version was deployed to running EC2 instances.")
				pt.note(e, now, "INFO", u.requestID, "Environment update completed successfully.")
				pt.settle(e, u, Succeeded)
				return
			}
			e.abortable, u.failed = false, true
			pt.note(e, now, "ERROR", u.requestID, "Traffic-splitting deployment failed: the new instances were not healthy during the evaluation.")
			pt.note(e, now, "INFO", u.requestID, "Rolling back: all incoming client traffic returns to the instances running "+u.from+".")
			pt.rollBack(e, u, "; the new instances are terminated.")
		})
	})
}

// failUpdate: the batch's instances did not start the new version;
// Beanstalk stops the update and redeploys the one before.
func (pt *Part) failUpdate(e *environment, u *update, batch []string) {
	now := pt.loop.Now()
	e.abortable, u.failed = false, true
	e.color, e.health = ColorRed, HealthSevere
	e.causes = []string{fmt.Sprintf("Command failed on all of %d instances in batch %d.", len(batch), u.done+1)}
	pt.note(e, now, "ERROR", u.requestID, fmt.Sprintf("Unsuccessful command execution on instance id(s) '%s'. Aborting the operation.", strings.Join(batch, "', '")))
	pt.note(e, now, "ERROR", u.requestID, "Failed to deploy application.")
	pt.note(e, now, "INFO", u.requestID, "Rolling back to the previous application version "+u.from+".")
	pt.rollBack(e, u, ".")
}

// rollBack ends a failed update after abortTime: the version before runs
// again, healthy; the event says so, ending with tail.
func (pt *Part) rollBack(e *environment, u *update, tail string) {
	pt.after(e, u, abortTime, func() {
		e.label, e.causes = u.from, nil
		e.color, e.health = ColorGreen, HealthOk
		pt.note(e, pt.loop.Now(), "INFO", u.requestID, "Rolled back to application version "+u.from+tail)
		pt.settle(e, u, Failed)
	})
}

// settle ends an update: the environment is Ready again, its instances
// on the new deployment (a traffic-splitting deploy's new instances
// replace the old ones) or back on the one before.
func (pt *Part) settle(e *environment, u *update, o Outcome) {
	now := pt.loop.Now()
	e.status, e.abortable, e.upd, e.updated = StatusReady, false, nil, now
	switch {
	case o != Succeeded:
		e.deployID, e.deployedAt = u.prevDeployID, u.prevDeployedAt
	case u.canaryIDs != nil:
		e.instanceIDs, e.launchedAt, e.deployedAt = newInstanceIDs(e, u, e.instances), u.canaryAt, now
	default:
		e.deployedAt = now
	}
	pt.finish(u.requestID, o)
}

// newInstanceIDs are the ids of n instances an update launches, the same
// first ones however many are asked for.
func newInstanceIDs(e *environment, u *update, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "i-0" + fmt.Sprintf("%016x", ids.Hash(e.id, u.requestID, fmt.Sprint(i)))[:16]
	}
	return out
}

// --- the actions on the wire ---

type updateEnvironmentResult struct {
	XMLName xml.Name `xml:"UpdateEnvironmentResult"`
	envXML
}

func (pt *Part) updateEnvironment(f form) (any, *awsproto.Error) {
	e, err := pt.findEnv(f)
	if err != nil {
		return nil, err
	}
	label := f.str("VersionLabel")
	if label == "" {
		return nil, errInvalid("The flightdeck sim updates an environment's application version only: VersionLabel is required.")
	}
	if _, err := pt.startUpdate(e, label); err != nil {
		return nil, err
	}
	return updateEnvironmentResult{envXML: pt.envXML(e)}, nil
}

func (pt *Part) abortEnvironmentUpdate(f form) (any, *awsproto.Error) {
	e, err := pt.findEnv(f)
	if err != nil {
		return nil, err
	}
	u := e.upd
	if u == nil || !e.abortable {
		return nil, invalidState(e, StatusUpdating)
	}
	now := pt.loop.Now()
	e.gen++ // the update's scheduled steps lapse
	e.status, e.abortable = StatusAborting, false
	pt.note(e, now, "INFO", u.requestID, "Abort environment update is starting.")
	pt.note(e, now, "INFO", u.requestID, "Rolling back instance(s) to application version "+u.from+".")
	gen := e.gen
	pt.loop.After(pt.loop.Pace(abortTime), func() {
		if e.gen != gen {
			return
		}
		e.label = u.from
		pt.note(e, pt.loop.Now(), "INFO", u.requestID, "Environment update was aborted; rolled back to application version "+u.from+".")
		pt.settle(e, u, Aborted)
	})
	return nil, nil
}

// envFrom is the environment named by Prefix+EnvironmentId or
// Prefix+EnvironmentName (SwapEnvironmentCNAMEs' Source and Destination).
func (pt *Part) envFrom(f form, prefix string) (*environment, *awsproto.Error) {
	g := form{}
	if v := f.str(prefix + "EnvironmentId"); v != "" {
		g["EnvironmentId"] = []string{v}
	}
	if v := f.str(prefix + "EnvironmentName"); v != "" {
		g["EnvironmentName"] = []string{v}
	}
	e, err := pt.findEnv(g)
	if err != nil && err.Code == "MissingParameter" {
		return nil, errMissing(prefix + "EnvironmentId or " + prefix + "EnvironmentName")
	}
	return e, err
}

func (pt *Part) swapEnvironmentCNAMEs(f form) (any, *awsproto.Error) {
	src, err := pt.envFrom(f, "Source")
	if err != nil {
		return nil, err
	}
	dst, err := pt.envFrom(f, "Destination")
	if err != nil {
		return nil, err
	}
	switch {
	case src == dst:
		return nil, errInvalid("Cannot swap the CNAME of environment " + src.name + " with itself.")
	case src.app != dst.app:
		return nil, errInvalid("Environments " + src.name + " and " + dst.name + " belong to different applications.")
	case src.status != StatusReady:
		return nil, invalidState(src, StatusReady)
	case dst.status != StatusReady:
		return nil, invalidState(dst, StatusReady)
	}
	now := pt.loop.Now()
	rid := ids.NameUUID("swap", src.id, dst.id, isoTime(now))
	src.cname, dst.cname = dst.cname, src.cname
	src.requestsOffline, dst.requestsOffline = dst.requestsOffline, src.requestsOffline
	for _, e := range []*environment{src, dst} {
		e.updated = now
		pt.note(e, now, "INFO", rid, fmt.Sprintf("Completed swapping CNAMEs for environments '%s' and '%s'.", src.name, dst.name))
	}
	return nil, nil
}

type createVersionResult struct {
	XMLName            xml.Name   `xml:"CreateApplicationVersionResult"`
	ApplicationVersion versionXML `xml:"ApplicationVersion"`
}

func (pt *Part) createApplicationVersion(f form) (any, *awsproto.Error) {
	app, label := f.str("ApplicationName"), f.str("VersionLabel")
	switch {
	case app == "":
		return nil, errMissing("ApplicationName")
	case label == "":
		return nil, errMissing("VersionLabel")
	case len(label) > 100:
		return nil, errInvalid("1 validation error detected: Value at 'versionLabel' failed to satisfy constraint: Member must have length less than or equal to 100")
	case pt.apps[app] == nil && f.str("AutoCreateApplication") != "true":
		return nil, errInvalid("No Application named '" + awsproto.Clip(app) + "' found.")
	case pt.version(app, label) != nil:
		return nil, errInvalid("Application Version " + label + " already exists.")
	}
	pt.AddVersion(app, label, f.str("Description"), f.str("SourceBundle.S3Bucket"), f.str("SourceBundle.S3Key"), pt.loop.Now())
	return createVersionResult{ApplicationVersion: pt.versionXML(pt.version(app, label))}, nil
}
