package providers

import (
	"context"

	"github.com/airside-dev/flightdeck/model"
)

// DeployHistoryReader is a CI source that can list, for one environment
// of a service, the older pipelines whose deploy job for that environment
// succeeded: the versions a rollback through CI can return to. Each comes
// back as a model.Revision with CI set (which job of which pipeline,
// what it would wait for), newest first, the one that deployed last
// marked Current. A job that can no longer be re-run (too old, its logs
// expired) is listed with Available false and the reason in Why. The
// deploy job is the one configured for the environment (ci.deploy_jobs),
// else deploy-<environment>, else (GitHub Actions) the job whose
// `environment:` is the environment. A read costs the pipelines already
// cached plus at most one page of older ones.
type DeployHistoryReader interface {
	DeployHistory(ctx context.Context, service, env string) ([]model.Revision, error)
}

// DeployRerunner re-runs the deploy job of an older pipeline, that job
// only (and what the CI service itself runs after it): the rollback
// through CI. With dryRun it returns the call it would make and sends
// nothing. A refusal by the CI service (the run too old, no permission)
// comes back as the service's error, ErrRejected or ErrAuth, and is not
// retried.
type DeployRerunner interface {
	RerunDeploy(ctx context.Context, service string, d model.CIDeploy, dryRun bool) (Receipt, error)
}
