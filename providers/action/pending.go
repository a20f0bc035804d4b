package action

import (
	"encoding/json"
	"os"
	"strconv"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// A rollback through CI only queues a job: the environment shows nothing
// for minutes (longer when the re-run waits at a gate), so the re-check,
// which compares what the environment runs, would let a second action on
// it through: a second deploy job, or a rollback of the target that the
// queued job then overtakes. So when one is sent the pipeline leaves a
// note beside the target's lock, and the re-check (under the same lock,
// in every flightdeck process of this user and every session of a
// `flightdeck serve`) refuses any action on that environment until it
// runs or rolls to that version, or pendingFor has passed.
const pendingFor = 15 * time.Minute

// pendingCI is the note: what was sent, over what, when, by whom.
type pendingCI struct {
	From model.Version `json:"from"`
	To   model.Version `json:"to"`
	At   time.Time     `json:"at"`
	User string        `json:"user,omitempty"`
	Job  string        `json:"job,omitempty"`
}

// notePending leaves the note for a rollback through CI that was sent
// (or whose answer was lost). Without a lock directory (tests) there is
// nowhere to keep it, as there is no lock.
func (p *Pipeline) notePending(a model.Action) {
	if p.o.LockDir == "" || p.o.DryRun || a.Kind != model.ActionRollbackCI {
		return
	}
	n := pendingCI{From: a.From, To: a.To, At: p.o.Now(), User: p.o.User}
	if a.Deploy != nil {
		n.Job = a.Deploy.Job + " of pipeline #" + strconv.FormatInt(a.Deploy.Pipeline, 10)
	}
	b, err := json.Marshal(n)
	if err != nil {
		return
	}
	// Best effort: the action was sent either way, and the audit log says so.
	_ = os.WriteFile(p.targetFile(a, ".pending"), b, 0o600)
}

// checkPending refuses an action on an environment a rollback through CI
// is still on its way to, and forgets the note once the environment runs
// or rolls to its version, runs anything but what it ran when the note
// was left (someone else moved it: the note says nothing of it any more;
// the same names in another world, such as the demo's), or the note is
// older than pendingFor.
func (p *Pipeline) checkPending(a model.Action, live model.EnvStatus) error {
	if p.o.LockDir == "" || a.Kind.CI() {
		return nil
	}
	path := p.targetFile(a, ".pending")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var n pendingCI
	age := time.Duration(0)
	if json.Unmarshal(b, &n) == nil {
		age = p.o.Now().Sub(n.At)
	}
	d := live.Deployment
	arrived := model.SameVersion(live.Version, n.To) || (live.Moving() && d != nil && model.SameCommit(d.ToSHA, n.To.SHA))
	moved := !model.SameVersion(live.Version, n.From)
	if n.To.SHA == "" || arrived || moved || age > pendingFor || age < 0 {
		_ = os.Remove(path)
		return nil
	}
	by, job := "", "the deploy job"
	if n.User != "" {
		by = " by " + n.User
	}
	if n.Job != "" {
		job = n.Job
	}
	return model.Refuse("a rollback of %s/%s to %s through CI (a re-run of %s) was sent %s ago%s and has not reached it yet; acting now would race it: wait for it (flightdeck status), or act after %s",
		a.Service, a.Environment, n.To.Short(), job, age.Round(time.Second), by, n.At.Add(pendingFor).UTC().Format("15:04:05 UTC"))
}
