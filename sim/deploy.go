package sim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/sim/beanstalk"
	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/ecs"
)

// The CI part's vocabulary, as the world's callers have always named it
// (sim.Pipeline, sim.RunSuccess, …): the types are the part's own.
type (
	Person                = ci.Person
	Commit                = ci.Commit
	RunStatus             = ci.RunStatus
	Job                   = ci.Job
	Review                = ci.Review
	Workflow              = ci.Workflow
	Pipeline              = ci.Pipeline
	RerunOptions          = ci.RerunOptions
	JobNotInWorkflowError = ci.JobNotInWorkflowError
)

// Run states and job types (ci's).
const (
	RunBlocked  = ci.RunBlocked
	RunRunning  = ci.RunRunning
	RunOnHold   = ci.RunOnHold
	RunSuccess  = ci.RunSuccess
	RunFailed   = ci.RunFailed
	RunCanceled = ci.RunCanceled
	RunNotRun   = ci.RunNotRun
	RunFailing  = ci.RunFailing

	JobBuild    = ci.JobBuild
	JobApproval = ci.JobApproval

	ReviewApproved = ci.ReviewApproved
	ReviewRejected = ci.ReviewRejected
)

// Errors from the CI operations (ci's).
var (
	ErrNoSuchJob      = ci.ErrNoSuchJob
	ErrNotOnHold      = ci.ErrNotOnHold
	ErrNotApprove     = ci.ErrNotApprove
	ErrNoSuchWorkflow = ci.ErrNoSuchWorkflow
	ErrWorkflowActive = ci.ErrWorkflowActive
	ErrNoFailedJobs   = ci.ErrNoFailedJobs
)

// Commits returns a service's commits, oldest first.
func (w *World) Commits(service string) []Commit {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ci.Commits(service)
}

// Pipelines returns deep copies of a service's pipelines, oldest first.
func (w *World) Pipelines(service string) []Pipeline {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ci.Pipelines(service)
}

// ApproveRequest approves the held approval job of a workflow by its
// approval request id, as CircleCI's approve endpoint does. The error says
// what stood in the way; the job, when found, comes back either way.
func (w *World) ApproveRequest(workflowID, requestID string, by Person) (Job, error) {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ci.ApproveRequest(workflowID, requestID, by)
}

// ApproveJob approves a held approval job, or a GitHub job waiting for its
// environment's reviewers, by pipeline and job id.
func (w *World) ApproveJob(pipelineID, jobID string, by Person) error {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ci.ApproveJob(pipelineID, jobID, by)
}

// CancelWorkflow cancels a pipeline's workflows: running and held jobs end
// canceled and nothing after them starts.
func (w *World) CancelWorkflow(pipelineID string) error {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ci.CancelPipeline(pipelineID)
}

// RerunWorkflow starts a new workflow on the same pipeline that runs the
// chosen jobs again (ci.Part.RerunWorkflow); it returns the new
// workflow's id.
func (w *World) RerunWorkflow(workflowID string, o RerunOptions) (string, error) {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ci.RerunWorkflow(workflowID, o)
}

// deployGlue is how the CI part's deploy jobs reach ECS: the commit's
// task definition registered for the environment's family, then the
// service updated, by names and ARNs, as a deploy script would.
type deployGlue struct{ w *World }

func (g deployGlue) Deploy(service, envName, sha string) (string, string, bool) {
	w := g.w
	if es := w.ebService(service); es != nil {
		return w.deployBeanstalk(es, envName, sha)
	}
	if bg := w.bgService(service); bg != nil {
		return w.deployBlueGreen(bg, envName, sha)
	}
	if cn := w.canaryService(service); cn != nil {
		return w.deployCanary(cn, envName, sha)
	}
	cs := w.catalogueService(service)
	var env *catalogueEnv
	if cs != nil {
		env = cs.env(envName)
	}
	if env == nil || !w.ecs.ServiceActive(env.cluster, cs.name) {
		return "", "", false
	}
	td := w.registerForCommit(cs, env, sha)
	return td, w.ecs.Deploy(env.cluster, cs.name, td), true
}

func (g deployGlue) OnDone(deployment string, fn func(ci.RunStatus)) {
	if rid, ok := strings.CutPrefix(deployment, ebDeployment); ok {
		g.w.beanstalk.OnDone(rid, func(o beanstalk.Outcome) {
			if o == beanstalk.Succeeded {
				fn(ci.RunSuccess)
				return
			}
			fn(ci.RunFailed)
		})
		return
	}
	g.w.ecs.OnDone(deployment, func(o ecs.Outcome) {
		switch o {
		case ecs.Succeeded:
			fn(ci.RunSuccess)
		case ecs.Superseded:
			fn(ci.RunCanceled)
		default:
			fn(ci.RunFailed)
		}
	})
}

// --- task definitions for commits ---

func (w *World) imageFor(cs *catalogueService, env *catalogueEnv, sha string) string {
	tag := sha[:7]
	if !cs.labelled {
		tag = "sha-" + sha[:7]
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s", w.account, env.region, cs.name, tag)
}

// revisionLabel is the OCI label that names the commit an image was built
// from; flightdeck reads the SHA from it, or from the tag without it.
const revisionLabel = "org.opencontainers.image.revision"

// registerForCommit registers the next revision of the environment's family
// running the commit's image, then applies the team's retention policy; it
// returns the revision's ARN.
func (w *World) registerForCommit(cs *catalogueService, env *catalogueEnv, sha string) string {
	image := w.imageFor(cs, env, sha)
	if w.bad[sha] {
		w.ecs.MarkImageBad(image)
	}
	labels := map[string]string{
		"org.opencontainers.image.source": "https://github.com/" + w.ci.Repo(cs.name).Name,
		"com.acme.service":                cs.name,
	}
	if cs.labelled {
		labels[revisionLabel] = sha
	}
	container := map[string]any{
		"name": cs.name, "image": image, "essential": true, "cpu": 0,
		"portMappings": []map[string]any{{"containerPort": cs.port, "hostPort": cs.port, "protocol": "tcp", "name": cs.name + "-http"}},
		"environment":  []map[string]string{{"name": "APP_ENV", "value": env.name}, {"name": "GIT_SHA", "value": sha}},
		"dockerLabels": labels,
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]string{
			"awslogs-group": "/ecs/" + cs.name + "-" + env.name, "awslogs-region": env.region, "awslogs-stream-prefix": cs.name,
		}},
		"mountPoints": []any{}, "volumesFrom": []any{}, "systemControls": []any{},
	}
	fields := map[string]json.RawMessage{}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		fields[k] = b
	}
	set("containerDefinitions", []any{container})
	set("networkMode", "awsvpc")
	set("requiresCompatibilities", []string{"FARGATE"})
	set("cpu", strconv.Itoa(cs.cpu))
	set("memory", strconv.Itoa(cs.cpu*2))
	set("executionRoleArn", "arn:aws:iam::"+w.account+":role/ecsTaskExecutionRole")
	set("taskRoleArn", "arn:aws:iam::"+w.account+":role/"+cs.name+"-"+env.name)
	set("runtimePlatform", map[string]string{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})

	return w.ecs.Register(ecs.Registration{
		Family: cs.name + "-" + env.name, FirstRevision: env.firstRevision, KeepActive: env.keepActive,
		Region: env.region, Fields: fields, Tags: envTags(cs, env),
		Containers: []ecs.Container{{Name: cs.name, Image: image, DockerLabels: labels}},
	})
}

func envTags(cs *catalogueService, env *catalogueEnv) []ecs.Tag {
	return []ecs.Tag{{Key: "service", Value: cs.name}, {Key: "environment", Value: env.name}}
}
