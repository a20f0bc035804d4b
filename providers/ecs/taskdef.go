package ecs

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
)

// RevisionLabel is the OCI label a build stamps with the commit it was built from.
const RevisionLabel = "org.opencontainers.image.revision"

// taskDef is what flightdeck keeps of a task definition: enough to name the
// version of any of its containers.
type taskDef struct {
	family     string
	revision   int32
	arn        string
	containers []container
	// registeredAt and registeredBy (a principal ARN) are for History.
	// A task definition's status is not kept: deregistration changes it.
	registeredAt time.Time
	registeredBy string
}

type container struct {
	name      string
	image     string
	essential bool
	labelSHA  string
}

// Revision is the "family:revision" name of the task definition.
func (t *taskDef) Revision() string {
	if t.family == "" {
		return revisionFromRef(t.arn)
	}
	return t.family + ":" + strconv.Itoa(int(t.revision))
}

// reading says how an environment reads its version from a task
// definition: which container (see pickContainer), and how its tag names
// the commit.
type reading struct {
	container  string
	shaFromTag *regexp.Regexp
}

// sha reads the commit from an image tag.
func (r reading) sha(tag string) string {
	if r.shaFromTag == nil {
		return model.SHAFromTag(tag)
	}
	m := r.shaFromTag.FindStringSubmatch(tag)
	if len(m) < 2 {
		return ""
	}
	sha := strings.ToLower(m[1])
	if len(sha) < 7 || len(sha) > 40 || strings.Trim(sha, "0123456789abcdef") != "" {
		return "" // the pattern's group must still be a SHA
	}
	return sha
}

// version names what the chosen container runs.
func (t *taskDef) version(r reading) (model.Version, error) {
	names, images, essential := make([]string, len(t.containers)), make([]string, len(t.containers)), make([]bool, len(t.containers))
	for i, c := range t.containers {
		names[i], images[i], essential[i] = c.name, c.image, c.essential
	}
	i, err := pickContainer(names, images, essential, r.container)
	if err != nil {
		return model.Version{Revision: t.Revision()}, fmt.Errorf("task definition %s: %w", t.Revision(), err)
	}
	c := t.containers[i]
	sha := c.labelSHA
	if sha == "" {
		sha = r.sha(model.ImageTag(c.image))
	}
	return model.Version{SHA: sha, Artifact: c.image, Revision: t.Revision()}, nil
}

// sidecars are the images of containers that run beside an application
// and are never its version: log routers, agents, meshes, collectors.
var sidecars = []string{
	"aws-for-fluent-bit", "fluent-bit", "fluentd", "datadog/agent", "datadog/docker-dd-agent",
	"aws-appmesh-envoy", "envoyproxy/envoy", "aws-xray-daemon", "cloudwatch-agent",
	"aws-otel-collector", "opentelemetry-collector", "newrelic/infrastructure", "newrelic/nri-",
	"ecs-service-connect-agent", "splunk/fluentd", "amazon/aws-for-fluent-bit",
}

// sidecarNames are container names that mark one, whatever its image.
var sidecarNames = []string{"log_router", "log-router", "firelens", "datadog-agent", "envoy", "xray-daemon", "otel-collector", "cwagent"}

// isSidecar says whether a container is a known sidecar, by image or name.
func isSidecar(name, image string) bool {
	img, n := strings.ToLower(image), strings.ToLower(name)
	for _, p := range sidecars {
		if strings.Contains(img, p) {
			return true
		}
	}
	return slices.Contains(sidecarNames, n)
}

// listNames lists container names for an error, an unnamed one as such.
func listNames(names []string) string {
	if len(names) == 0 {
		return "no containers"
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = cmp.Or(n, "(unnamed)")
	}
	return strings.Join(out, ", ")
}

// pickContainer chooses, deliberately, the container whose image is the
// service's version: the one the config names; else the only essential
// container that is not a known sidecar (a FireLens log router or a
// Datadog agent listed first must never become the version, or a
// rollback act on its image); else the only container there is. Anything
// else is an error naming the containers, asking for container: in the
// config, never a guess.
func pickContainer(names, images []string, essential []bool, want string) (int, error) {
	if want != "" {
		if i := slices.Index(names, want); i >= 0 {
			return i, nil
		}
		return -1, fmt.Errorf("container %q is not in it (it has: %s)", want, listNames(names))
	}
	if len(names) == 1 {
		return 0, nil
	}
	var apps []int
	for i := range names {
		if essential[i] && !isSidecar(names[i], images[i]) {
			apps = append(apps, i)
		}
	}
	switch {
	case len(names) == 0:
		return -1, fmt.Errorf("it has no containers")
	case len(apps) == 1:
		return apps[0], nil
	case len(apps) == 0:
		return -1, fmt.Errorf("every container is a sidecar or not essential (%s); name the application's in the config (container:)", listNames(names))
	}
	picked := make([]string, len(apps))
	for k, i := range apps {
		picked[k] = names[i]
	}
	return -1, fmt.Errorf("several containers could be the application (%s); name the one whose image is the version in the config (container:)", strings.Join(picked, ", "))
}

func newTaskDef(td *types.TaskDefinition) *taskDef {
	t := &taskDef{family: aws.ToString(td.Family), revision: td.Revision, arn: aws.ToString(td.TaskDefinitionArn),
		registeredAt: aws.ToTime(td.RegisteredAt), registeredBy: aws.ToString(td.RegisteredBy)}
	for _, cd := range td.ContainerDefinitions {
		t.containers = append(t.containers, container{
			name:      aws.ToString(cd.Name),
			image:     aws.ToString(cd.Image),
			essential: cd.Essential == nil || *cd.Essential,
			labelSHA:  strings.ToLower(strings.TrimSpace(cd.DockerLabels[RevisionLabel])),
		})
	}
	return t
}

// revisionFromRef turns "arn:…:task-definition/api:7" or "api:7" into "api:7".
func revisionFromRef(ref string) string {
	if i := strings.LastIndex(ref, "task-definition/"); i >= 0 {
		return ref[i+len("task-definition/"):]
	}
	return ref
}

// tdKey is the cache key of a task definition reference: "family:revision"
// when the reference pins a revision, so an ARN and its short form share
// one entry. A bare family (latest ACTIVE revision) is not immutable and
// keeps its own spelling and is not cached across polls.
func tdKey(ref string) string {
	return revisionFromRef(ref)
}

func pinned(ref string) bool {
	r := revisionFromRef(ref)
	i := strings.LastIndex(r, ":")
	if i < 0 {
		return false
	}
	_, err := strconv.Atoi(r[i+1:])
	return err == nil
}

// taskDefCache holds described task definitions. They are immutable once
// registered, so an entry never expires; only successes are stored.
type taskDefCache struct {
	mu sync.RWMutex
	m  map[string]*taskDef
}

func newTaskDefCache() *taskDefCache { return &taskDefCache{m: make(map[string]*taskDef)} }

func (c *taskDefCache) get(ref string) (*taskDef, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	td, ok := c.m[tdKey(ref)]
	return td, ok
}

func (c *taskDefCache) has(ref string) bool {
	_, ok := c.get(ref)
	return ok
}

// put stores a task definition under the reference it was asked by (when
// that pins a revision) and under its own "family:revision".
func (c *taskDefCache) put(ref string, td *taskDef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pinned(ref) {
		c.m[tdKey(ref)] = td
	}
	if td.family != "" && td.revision > 0 {
		c.m[td.Revision()] = td
	}
}

// describeTaskDefinition describes one reference and caches the answer.
func (s *Source) describeTaskDefinition(ctx context.Context, ref string) (*taskDef, error) {
	out, err := s.client.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)})
	if err != nil {
		return nil, callError{fmt.Errorf("describe task definition %s: %w", revisionFromRef(ref), classify(err, s.profile, s.now()))}
	}
	if out == nil || out.TaskDefinition == nil {
		return nil, callError{fmt.Errorf("describe task definition %s: empty answer", revisionFromRef(ref))}
	}
	td := newTaskDef(out.TaskDefinition)
	s.taskDefs.put(ref, td)
	return td, nil
}

// taskDefRefs lists the task definitions a service's version and rollouts
// are read from.
func taskDefRefs(svc *types.Service) []string {
	var refs []string
	add := func(p *string) {
		if r := aws.ToString(p); r != "" {
			refs = append(refs, r)
		}
	}
	add(svc.TaskDefinition)
	for i := range svc.Deployments {
		add(svc.Deployments[i].TaskDefinition)
	}
	for i := range svc.TaskSets {
		add(svc.TaskSets[i].TaskDefinition)
	}
	return refs
}

// sameTaskDef reports whether two references name the same revision.
func sameTaskDef(a, b string) bool {
	return a != "" && b != "" && tdKey(a) == tdKey(b)
}
