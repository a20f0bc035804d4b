package beanstalk

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// eventsKept is how many events an environment carries.
const eventsKept = 10

// Beanstalk reports an update's course only in its events, in English.
// These are the messages read (docs/architecture.md lists them, and the
// simulator speaks them); anything else is shown and otherwise ignored.
var (
	// An update begins: the environment's, or its creation.
	reStart = regexp.MustCompile(`(?i)^(environment update is starting|updateEnvironment is starting|createEnvironment is starting)`)
	// "Batch 2: Starting application deployment on instance(s) [i-1, i-2]."
	reBatchStart = regexp.MustCompile(`(?i)^batch (\d+): starting application deployment on instance\(s\) \[([^\]]*)\]`)
	// "Batch 2: Completed application deployment."
	reBatchDone = regexp.MustCompile(`(?i)^batch (\d+): completed application deployment`)
	// "… batch 2 of 3 …", as rolling updates of the instances say.
	reBatchOf = regexp.MustCompile(`(?i)\bbatch (\d+) of (\d+)\b`)
	// "… deployed to 3 of 4 instances", "Summary: [Successful: 3, Failed: 1]".
	reInstancesOf = regexp.MustCompile(`(?i)\b(\d+) (?:of|out of) (\d+) instances?\b`)
	reSummary     = regexp.MustCompile(`(?i)summary: \[successful: (\d+)`)
	// The update failed, or its deploy did.
	reFailed = regexp.MustCompile(`(?i)failed to deploy application|unsuccessful command execution|update (?:completed|failed) with errors|environment update failed|deployment failed|failed to deploy`)
	// A failed deploy is being, or has been, undone.
	reRollingBack = regexp.MustCompile(`(?i)\broll(?:ing)? ?back\b|\brollback (?:is )?(?:starting|in progress)\b`)
	reRolledBack  = regexp.MustCompile(`(?i)\brolled back\b|\brollback (?:completed|complete|succeeded|successful)\b`)
	reAborted     = regexp.MustCompile(`(?i)\babort(?:ed|ing)?\b`)
	// A traffic-splitting deploy sends its share of the traffic to the new
	// instances: "Sending 10 percent of incoming client traffic to the new
	// instance(s) for a 5-minute evaluation." The evaluation runs from here.
	reSplit = regexp.MustCompile(`(?i)\b(\d{1,3}) ?(?:percent|%) of (?:the )?(?:incoming )?(?:client )?traffic\b`)
	// The update ended well.
	reSucceeded = regexp.MustCompile(`(?i)update completed successfully|new application version was deployed|successfully launched environment`)
)

// update is what the events say about the newest update of an
// environment, read one event at a time as they arrive.
type update struct {
	started time.Time
	// from is the label the environment ran before (when this source saw
	// it), to the label the update deploys (from the environment while it
	// updated, or the events' own labels).
	from, to string
	failed   bool
	reason   string
	// rollingBack: undoing the failed deploy; rolledBack: undone.
	rollingBack, rolledBack, aborted bool
	succeeded                        bool
	batch, batches                   int
	// split is when a traffic-splitting deploy sent the new instances
	// their share of the traffic (splitPercent): its evaluation's start.
	split        time.Time
	splitPercent int
	// batchInstances counts the instances each batch deploys to; updated
	// sums those of completed batches.
	batchInstances map[int]int
	updated        int
	instancesTotal int
}

// apply reads one event into the update. prevLabel is the label the
// environment ran as far as this source knows, the update's from.
func (u *update) apply(ev types.EventDescription, prevLabel string) {
	msg := strings.TrimSpace(aws.ToString(ev.Message))
	at := aws.ToTime(ev.EventDate)
	if reStart.MatchString(msg) {
		*u = update{started: at, from: prevLabel}
	}
	if l := aws.ToString(ev.VersionLabel); l != "" && !u.failed {
		u.to = l
	}
	switch {
	case reRolledBack.MatchString(msg):
		u.rollingBack, u.rolledBack = false, true
	case reRollingBack.MatchString(msg):
		u.rollingBack = true
	}
	if reAborted.MatchString(msg) {
		u.aborted = true
	}
	severe := ev.Severity == types.EventSeverityError || ev.Severity == types.EventSeverityFatal
	if reFailed.MatchString(msg) || severe && u.inProgress() {
		if !u.failed {
			u.reason = providers.OneLine(msg, 200)
		}
		u.failed = true
	}
	if reSucceeded.MatchString(msg) && !u.failed {
		u.succeeded = true
	}
	if m := reSplit.FindStringSubmatch(msg); m != nil && u.split.IsZero() && !u.succeeded && !u.failed {
		u.split, u.splitPercent = at, atoi(m[1])
	}
	u.progress(msg)
}

// inProgress: an update began and has not ended.
func (u *update) inProgress() bool {
	return !u.started.IsZero() && !u.succeeded && !u.failed
}

// progress reads batch and instance counts.
func (u *update) progress(msg string) {
	if m := reBatchStart.FindStringSubmatch(msg); m != nil {
		n := atoi(m[1])
		u.batch = max(u.batch, n)
		if u.batchInstances == nil {
			u.batchInstances = map[int]int{}
		}
		u.batchInstances[n] = len(instanceIDs(m[2]))
	}
	if m := reBatchDone.FindStringSubmatch(msg); m != nil {
		u.updated += u.batchInstances[atoi(m[1])]
		delete(u.batchInstances, atoi(m[1])) // counted once
	}
	if m := reBatchOf.FindStringSubmatch(msg); m != nil {
		u.batch, u.batches = atoi(m[1]), atoi(m[2])
	}
	if m := reInstancesOf.FindStringSubmatch(msg); m != nil {
		u.updated, u.instancesTotal = atoi(m[1]), atoi(m[2])
	}
	if m := reSummary.FindStringSubmatch(msg); m != nil {
		u.updated = max(u.updated, atoi(m[1]))
	}
}

func instanceIDs(list string) []string {
	var ids []string
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			ids = append(ids, f)
		}
	}
	return ids
}

// atoi reads a count; anything absurd is 0 (the text is the server's).
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0
	}
	return n
}

// envMemory is what earlier polls learnt about one Beanstalk environment.
type envMemory struct {
	// eventsRead: the events were read at least once; lastEvent is the
	// newest one's time and seenAtLast the ones at that time already read
	// (DescribeEvents' StartTime is inclusive).
	eventsRead bool
	lastEvent  time.Time
	seenAtLast map[string]bool
	events     []model.Event // newest first, at most eventsKept
	upd        update
	// What DescribeEnvironments said last time, to see a change.
	status, health, healthStatus, label string
	updated                             time.Time
	// steadyLabel is the last label seen while the environment was Ready:
	// what a new update deploys from.
	steadyLabel string
	// cname is the CNAME the environment held when first read: for a
	// blue/green pair, the production name.
	cname string
	// cfg is the environment's deploy configuration (nil: never read);
	// canary the traffic of its traffic-splitting deploy, read so far.
	cfg    *deployConfig
	canary canaryMemory
}

// changed reports whether the environment moved since the last poll, or
// is moving: then its events are worth a call.
func (m *envMemory) changed(d types.EnvironmentDescription) bool {
	return !m.eventsRead || d.Status != types.EnvironmentStatusReady ||
		string(d.Status) != m.status || string(d.Health) != m.health ||
		string(d.HealthStatus) != m.healthStatus || aws.ToString(d.VersionLabel) != m.label ||
		!aws.ToTime(d.DateUpdated).Equal(m.updated)
}

// observe keeps what this poll's description says, after its events.
func (m *envMemory) observe(d types.EnvironmentDescription) {
	label := aws.ToString(d.VersionLabel)
	m.status, m.health, m.healthStatus, m.label = string(d.Status), string(d.Health), string(d.HealthStatus), label
	m.updated = aws.ToTime(d.DateUpdated)
	switch d.Status {
	case types.EnvironmentStatusReady:
		if !m.upd.failed || m.upd.from == "" || label == m.upd.from {
			m.steadyLabel = label
		}
	case types.EnvironmentStatusUpdating, types.EnvironmentStatusLaunching:
		// The label of an updating environment is the one it deploys;
		// Beanstalk resets it to the last good one if the deploy fails.
		if label != "" && label != m.upd.from && !m.upd.failed {
			m.upd.to = label
		}
	}
	if m.cname == "" {
		m.cname = aws.ToString(d.CNAME)
	}
}

// take reads a batch of events (any order) into the memory: those not
// read before, oldest first.
func (m *envMemory) take(evs []types.EventDescription) {
	sorted := make([]types.EventDescription, 0, len(evs))
	for _, ev := range evs {
		if ev.EventDate != nil && !m.read(ev) {
			sorted = append(sorted, ev)
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].EventDate.Before(*sorted[j].EventDate) })
	for _, ev := range sorted {
		at := aws.ToTime(ev.EventDate)
		if at.After(m.lastEvent) {
			m.lastEvent, m.seenAtLast = at, map[string]bool{}
		}
		m.seenAtLast[eventKey(ev)] = true
		// A new update deploys from what ran before it.
		m.upd.apply(ev, m.steadyLabel)
		m.events = append([]model.Event{{At: at, Message: aws.ToString(ev.Message)}}, m.events...)
	}
	if len(m.events) > eventsKept {
		m.events = m.events[:eventsKept]
	}
	m.eventsRead = true
}

// read reports an event already taken: older than the newest read, or at
// its time and already seen.
func (m *envMemory) read(ev types.EventDescription) bool {
	at := aws.ToTime(ev.EventDate)
	return at.Before(m.lastEvent) || at.Equal(m.lastEvent) && m.seenAtLast[eventKey(ev)]
}

func eventKey(ev types.EventDescription) string {
	return aws.ToString(ev.RequestId) + "\x00" + string(ev.Severity) + "\x00" + aws.ToString(ev.Message)
}
