package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// UnknownError is an action whose call may or may not have been acted on:
// the answer was lost, and reading the target again could not tell.
type UnknownError struct {
	Action model.Action
	// Err is what the call returned; Read is why reading again did not
	// settle it (the read's error, or what the target shows instead).
	Err  error
	Read string
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("%s of %s: the answer was lost (%v), so flightdeck does not know whether it was done; %s",
		e.Action.Kind, where(e.Action), e.Err, e.Read)
}

func (e *UnknownError) Unwrap() error { return e.Err }

// IsUnknown reports whether err is an action whose outcome is unknown.
func IsUnknown(err error) bool {
	var u *UnknownError
	return errors.As(err, &u)
}

// resolveTries and resolvePause bound how long reading again may take: a
// service that has acted shows it at once (ECS, CircleCI and GitHub all
// answer reads from the state the call changed), so a few reads suffice
// and a read that keeps failing is not retried for long.
const (
	resolveTries = 3
	resolvePause = time.Second
)

// resolve settles a call whose answer was lost by reading the target
// again, and writes a second audit record with what it found. The action
// is never sent again.
func (p *Pipeline) resolve(ctx context.Context, a model.Action, res Result, sent audit.Record, callErr, auditErr error) (Result, error) {
	var v verdict
	for try := range resolveTries {
		if try > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(p.pause):
			}
		}
		v = p.reread(ctx, a)
		if v.known || ctx.Err() != nil {
			break
		}
	}
	res.Resolved = v.text
	if v.known {
		res.Outcome = audit.ResultFailed
		if v.done {
			res.Outcome = audit.ResultOK
		}
		r := p.entry(a, res.Outcome, nil, res.Receipt)
		r.Detail = "resolved by reading again: " + v.text
		if !v.done {
			r.Error = callErr.Error()
		}
		r.Resolves = &sent.Time
		auditErr = errors.Join(auditErr, p.append(r))
	}
	if auditErr != nil {
		auditErr = fmt.Errorf("the audit log could not be written: %w", auditErr)
	}
	switch {
	case v.known && v.done:
		return res, auditErr
	case v.known:
		// res.Resolved says what the target shows.
		return res, errors.Join(fmt.Errorf("%s of %s failed: %w", a.Kind, where(a), callErr), auditErr)
	}
	return res, errors.Join(&UnknownError{Action: a, Err: callErr, Read: v.text}, auditErr)
}

// verdict is what one reading found: whether it can tell (known) and, if
// so, whether the action was done, in words either way.
type verdict struct {
	known, done bool
	text        string
}

// reread reads the target once and judges the action by it.
func (p *Pipeline) reread(ctx context.Context, a model.Action) verdict {
	cctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	switch {
	case a.Gate != nil:
		return p.rereadGate(cctx, a)
	case a.Kind.CI():
		return verdict{text: "look at the workflow with: flightdeck status"}
	}
	r, ok := providers.EnvAs[providers.EnvReader](p.o.Providers, a.Key())
	if !ok {
		return verdict{text: fmt.Sprintf("%s/%s cannot be read", a.Service, a.Environment)}
	}
	live, err := r.FetchEnv(cctx, a.Key())
	if err != nil {
		return verdict{text: "reading it again failed too: " + err.Error() + "; check it with: flightdeck status"}
	}
	return judgeEnv(a, live)
}

// judgeEnv decides from an environment read after the call whether the
// action was done.
func judgeEnv(a model.Action, live model.EnvStatus) verdict {
	now := live.Version.Short()
	if live.Moving() {
		now = "rolling to " + now
	} else {
		now = "runs " + now
	}
	switch a.Kind {
	case model.ActionSwitch:
		switch bg := live.BlueGreen; {
		case bg != nil && bg.Live == a.Standby:
			return verdict{known: true, done: true, text: fmt.Sprintf("the switch went through: %s is live in %s and %s", a.Standby, a.Environment, now)}
		case bg != nil && bg.Live == a.Live:
			return verdict{known: true, text: fmt.Sprintf("the switch did not take: %s is still live in %s", a.Live, a.Environment)}
		}
		return verdict{text: fmt.Sprintf("%s cannot tell which side is live", a.Environment)}
	case model.ActionCanaryPromote, model.ActionCanaryAbort:
		return judgeCanary(a, live)
	case model.ActionRollbackCI:
		return judgeRollbackCI(a, live, now)
	case model.ActionAbort:
		d := live.Deployment
		if live.Moving() && d != nil && model.SameCommit(d.ToSHA, a.To.SHA) && live.State == model.StateDeploying {
			return verdict{known: true, text: fmt.Sprintf("the abort did not take: %s is still deploying %s", a.Environment, a.To.Short())}
		}
		return verdict{known: true, done: true, text: fmt.Sprintf("the abort went through: %s %s", a.Environment, now)}
	}
	switch {
	case model.SameVersion(live.Version, a.To):
		return verdict{known: true, done: true, text: fmt.Sprintf("the %s went through: %s %s", noun(a.Kind), a.Environment, now)}
	case model.SameVersion(live.Version, a.From):
		return verdict{known: true, text: fmt.Sprintf("the %s did not take: %s still %s", noun(a.Kind), a.Environment, now)}
	}
	return verdict{text: fmt.Sprintf("%s now %s, neither what it ran nor what was asked: someone else moved it", a.Environment, now)}
}

// judgeCanary decides from a read after a canary step whether it was
// taken, by the canary's weight.
func judgeCanary(a model.Action, live model.EnvStatus) verdict {
	c := live.Canary
	switch {
	case c != nil && !sameCanary(a, c):
		return verdict{text: fmt.Sprintf("%s now has another canary (%s): someone else moved it", a.Environment, c.Canary.Version.Short())}
	case c == nil && !canaryGone(a, live):
		return verdict{text: fmt.Sprintf("%s is still deploying %s, but its canary could not be read this time; check it with: flightdeck status", a.Environment, a.To.Short())}
	case a.Kind == model.ActionCanaryAbort && (c == nil || c.Weight == 0):
		return verdict{known: true, done: true, text: fmt.Sprintf("the canary abort went through: %s sends no traffic to %s", a.Environment, a.To.Short())}
	case a.Kind == model.ActionCanaryAbort:
		return verdict{known: true, text: fmt.Sprintf("the canary abort did not take: %s still sends %d %% to %s", a.Environment, c.Weight, a.To.Short())}
	case c == nil:
		return verdict{text: fmt.Sprintf("%s has no canary any more: it finished, or was rolled back; check it with: flightdeck status", a.Environment)}
	case c.Weight > a.Weight:
		return verdict{known: true, done: true, text: fmt.Sprintf("the canary promotion went through: %s sends %d %% to %s", a.Environment, c.Weight, a.To.Short())}
	}
	return verdict{known: true, text: fmt.Sprintf("the canary promotion did not take: %s still sends %d %% to %s", a.Environment, c.Weight, a.To.Short())}
}

// rereadGate asks whether the gate still waits. A gate that no longer
// waits has the answer this action wanted only when the checker says so;
// its own words are shown either way.
func (p *Pipeline) rereadGate(ctx context.Context, a model.Action) verdict {
	c, ok := providers.CIAs[providers.GateChecker](p.o.Providers, a.Service)
	if !ok {
		return verdict{text: "the gate cannot be read again"}
	}
	err := c.CheckGate(ctx, *a.Gate)
	switch {
	case err == nil:
		return verdict{known: true, text: fmt.Sprintf("the %s did not take: %s still waits", noun(a.Kind), a.Gate.Gate)}
	case !model.IsRefusal(err):
		return verdict{text: "reading the gate again failed too: " + err.Error()}
	}
	msg := err.Error()
	want := "approved"
	if a.Kind == model.ActionReject {
		want = "rejected"
	}
	if strings.Contains(msg, want) || (a.Kind == model.ActionReject && strings.Contains(msg, "canceled")) {
		return verdict{known: true, done: true, text: fmt.Sprintf("the %s went through: %s", noun(a.Kind), strings.TrimSuffix(msg, "; look again before acting"))}
	}
	return verdict{text: msg}
}

// noun names an action's act: "the approval went through".
func noun(k model.ActionKind) string {
	switch k {
	case model.ActionPromote:
		return "promotion"
	case model.ActionApprove:
		return "approval"
	case model.ActionReject:
		return "rejection"
	}
	return string(k)
}
