package ecs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"flightdeck/model"
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

// version names what the chosen container runs. want "" picks the first
// essential container (ECS treats a container without the flag as essential).
func (t *taskDef) version(want string) (model.Version, error) {
	var c *container
	for i := range t.containers {
		cc := &t.containers[i]
		if want != "" && cc.name == want || want == "" && cc.essential {
			c = cc
			break
		}
	}
	if c == nil && want == "" && len(t.containers) > 0 {
		c = &t.containers[0]
	}
	if c == nil {
		names := make([]string, len(t.containers))
		for i, cc := range t.containers {
			names[i] = cc.name
		}
		if want == "" {
			return model.Version{Revision: t.Revision()}, fmt.Errorf("task definition %s has no containers", t.Revision())
		}
		return model.Version{Revision: t.Revision()}, fmt.Errorf("container %q not in task definition %s (it has: %s)", want, t.Revision(), strings.Join(names, ", "))
	}
	sha := c.labelSHA
	if sha == "" {
		sha = model.SHAFromTag(model.ImageTag(c.image))
	}
	return model.Version{SHA: sha, Artifact: c.image, Revision: t.Revision()}, nil
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
	return refs
}

// sameTaskDef reports whether two references name the same revision.
func sameTaskDef(a, b string) bool {
	return a != "" && b != "" && tdKey(a) == tdKey(b)
}
