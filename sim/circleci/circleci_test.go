package circleci

import (
	"slices"
	"testing"

	"github.com/airside-dev/flightdeck/sim/ci"
)

// The world's run states map onto CircleCI's job and workflow enums (the
// answers themselves are tested through the world, in package sim).
func TestStatuses(t *testing.T) {
	for _, st := range []ci.RunStatus{ci.RunBlocked, ci.RunRunning, ci.RunOnHold, ci.RunSuccess, ci.RunFailed, ci.RunCanceled, ci.RunNotRun, ci.RunFailing} {
		job, flow := ciJobStatus(st), ciWorkflowStatus(st)
		if !slices.Contains([]string{"success", "running", "not_run", "failed", "on_hold", "blocked", "canceled"}, job) {
			t.Errorf("job status %s → %s", st, job)
		}
		if !slices.Contains([]string{"success", "running", "not_run", "failed", "failing", "on_hold", "canceled"}, flow) {
			t.Errorf("workflow status %s → %s", st, flow)
		}
	}
}
