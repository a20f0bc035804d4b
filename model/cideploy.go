package model

import (
	"fmt"
	"slices"
	"strconv"
)

// ActionRollbackCI rolls an environment back the way its pipeline deploys:
// the deploy job of an older pipeline (Action.Deploy) runs again and ships
// that pipeline's commit. It acts on the environment (the re-check reads
// it, Landed waits for it to run To) through the service's CI provider.
const ActionRollbackCI ActionKind = "rollback_ci"

// CIDeploy is the deploy job of an older pipeline that ran for an
// environment and succeeded: re-running it rolls the environment back to
// the pipeline's commit. The IDs mean something only to the CI provider
// that listed it.
type CIDeploy struct {
	// Provider is the CI provider ("circleci", "github-actions").
	Provider string `json:"provider"`
	// Pipeline is the pipeline's (GitHub: the run's) number, PipelineID its id.
	Pipeline   int64  `json:"pipeline"`
	PipelineID string `json:"pipeline_id"`
	// WorkflowID and Workflow name the workflow (GitHub: the run) holding the job.
	WorkflowID string `json:"workflow_id"`
	Workflow   string `json:"workflow,omitempty"`
	// JobID and Job name the deploy job.
	JobID string `json:"job_id"`
	Job   string `json:"job"`
	// Next says what the re-run will wait for before it deploys, when
	// something will ("will wait at hold-production"); "" when it deploys
	// straight away.
	Next string `json:"next,omitempty"`
}

// How says how a rollback through this job is done: "re-run
// deploy-production of pipeline #305".
func (d CIDeploy) How() string {
	return fmt.Sprintf("re-run %s of pipeline #%s", d.Job, strconv.FormatInt(d.Pipeline, 10))
}

// Via says how a rollback to the revision is done: "ci" (re-run an older
// pipeline's deploy job) or "target" (point the deploy target at it).
func (r Revision) Via() string {
	if r.CI != nil {
		return "ci"
	}
	return "target"
}

// How says in words how a rollback to the revision is done: "re-run
// deploy-production of pipeline #305", "point the service at api:41".
func (r Revision) How() string {
	if r.CI != nil {
		return r.CI.How()
	}
	name := r.Version.Revision
	if name == "" {
		name = r.Version.Short()
	}
	return "point the service at " + name
}

// MergeHistory puts a deploy target's revisions and its CI's deploys
// (Revision.CI set) side by side, newest deploy first; revisions never
// deployed stay last, in the order the target gave them. The target says
// what runs now: a CI row is never Current beside a target that names one,
// so one row is marked running.
func MergeHistory(target, ci []Revision) []Revision {
	if len(ci) == 0 {
		return target
	}
	out := make([]Revision, 0, len(target)+len(ci))
	out = append(out, target...)
	current := slices.ContainsFunc(target, func(r Revision) bool { return r.Current })
	for _, r := range ci {
		if current {
			r.Current = false
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Revision) int {
		switch {
		case a.DeployedAt.IsZero() && b.DeployedAt.IsZero():
			return 0
		case a.DeployedAt.IsZero():
			return 1
		case b.DeployedAt.IsZero():
			return -1
		}
		return b.DeployedAt.Compare(a.DeployedAt)
	})
	return out
}
