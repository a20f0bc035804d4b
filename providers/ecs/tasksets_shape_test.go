package ecs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
)

// A CODE_DEPLOY service mid blue/green as ECS answers it (the shape of the
// DescribeServices example in the ECS API reference, with a CodeDeploy
// deployment's two task sets): the original PRIMARY, the replacement
// ACTIVE with its CodeDeploy deployment ID, an old DRAINING one, and the
// empty deployments list such services have.
const codeDeployAnswer = `{"services":[{"serviceArn":"arn:aws:ecs:us-east-1:123456789012:service/staging/api",
 "serviceName":"api","clusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/staging","loadBalancers":[],
 "status":"ACTIVE","desiredCount":2,"runningCount":4,"pendingCount":0,"launchType":"FARGATE",
 "taskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/api-staging:7",
 "deploymentConfiguration":{"maximumPercent":200,"minimumHealthyPercent":100},
 "taskSets":[
  {"id":"ecs-svc/1111111111111111111","taskSetArn":"arn:aws:ecs:us-east-1:123456789012:task-set/staging/api/ecs-svc/1111111111111111111",
   "status":"PRIMARY","taskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/api-staging:7",
   "computedDesiredCount":2,"pendingCount":0,"runningCount":2,"createdAt":1700000000.0,"updatedAt":1700000100.0,
   "launchType":"FARGATE","scale":{"value":100.0,"unit":"PERCENT"},"stabilityStatus":"STEADY_STATE","stabilityStatusAt":1700000100.0},
  {"id":"ecs-svc/2222222222222222222","taskSetArn":"arn:aws:ecs:us-east-1:123456789012:task-set/staging/api/ecs-svc/2222222222222222222",
   "startedBy":"CodeDeploy","externalId":"d-4W9NQ2XYZ",
   "status":"ACTIVE","taskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/api-staging:8",
   "computedDesiredCount":2,"pendingCount":1,"runningCount":1,"createdAt":1700000500.0,"updatedAt":1700000600.0,
   "launchType":"FARGATE","scale":{"value":100.0,"unit":"PERCENT"},"stabilityStatus":"STABILIZING","stabilityStatusAt":1700000600.0},
  {"id":"ecs-svc/0000000000000000000","status":"DRAINING","taskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/api-staging:6",
   "computedDesiredCount":0,"runningCount":1,"createdAt":1690000000.0}],
 "deployments":[],"events":[],"createdAt":1690000000.0,"schedulingStrategy":"REPLICA",
 "deploymentController":{"type":"CODE_DEPLOY"}}],"failures":[]}`

// byRevision answers DescribeTaskDefinition with the image tagged by the
// revision asked for, and DescribeServices with one body.
type byRevision struct{ services []byte }

func (b *byRevision) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch opOf(r.Header) {
	case opDescribeServices:
		_, _ = w.Write(b.services)
	case opDescribeTaskDefinition:
		var in struct{ TaskDefinition string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		rev := in.TaskDefinition[strings.LastIndexByte(in.TaskDefinition, ':')+1:]
		sha := strings.Repeat(rev, 40)[:40]
		_, _ = io.WriteString(w, `{"taskDefinition":{"family":"api-staging","revision":`+rev+`,"taskDefinitionArn":"`+in.TaskDefinition+
			`","status":"ACTIVE","containerDefinitions":[{"name":"api","essential":true,"image":"acme/api:`+sha+`"}]}}`)
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"UnknownOperationException","message":"not here"}`)
	}
}

func readTaskSets(t *testing.T, body []byte) model.EnvStatus {
	t.Helper()
	s := newSource(sdkClient(oddanswers.Transport{Handler: &byRevision{services: body}}), testRegion,
		Options{Environments: []Environment{fuzzEnv}, Now: fakeclock.New(t0).Now})
	before := providers.RecoveredPanics()
	sts, _ := s.Fetch(context.Background())
	if providers.RecoveredPanics() != before || len(sts) != 1 {
		t.Fatalf("a panic was recovered: %+v", sts)
	}
	return sts[0]
}

func TestCodeDeployShape(t *testing.T) {
	st := readTaskSets(t, []byte(codeDeployAnswer))
	sha7, sha8 := strings.Repeat("7", 40), strings.Repeat("8", 40)
	d := st.Deployment
	switch {
	case st.Error != "":
		t.Fatalf("error: %s", st.Error)
	case st.Controller != "CODE_DEPLOY" || !strings.Contains(st.ReadOnly, "staging is deployed by CodeDeploy"):
		t.Errorf("controller %q, read-only %q", st.Controller, st.ReadOnly)
	case st.Version.SHA != sha7 || st.State != model.StateDeploying:
		t.Errorf("version %+v state %s, want the PRIMARY's, deploying", st.Version, st.State)
	case d == nil || d.FromSHA != sha7 || d.ToSHA != sha8 || d.Running != 1 || d.Desired != 2 || !strings.Contains(d.Reason, "not serving production"):
		t.Errorf("deployment %+v", d)
	case len(st.Rollouts) != 2:
		t.Errorf("rollouts %+v, want the DRAINING task set left out", st.Rollouts)
	case !strings.Contains(st.Rollouts[1].Reason, "scale 100 percent, started by CodeDeploy (d-4W9NQ2XYZ)"):
		t.Errorf("replacement: %+v", st.Rollouts[1])
	}
}

// Odd places in a task-set answer: unknown values are read, nulls are
// absence, and nothing panics.
func TestTaskSetOddShapes(t *testing.T) {
	at := oddanswers.At
	const ts = "services.0.taskSets."
	cases := []struct {
		name   string
		change oddanswers.Change
		check  func(model.EnvStatus) bool
	}{
		{"unknown controller", at(opDescribeServices, "services.0.deploymentController.type", "BLUE_MOON"),
			func(st model.EnvStatus) bool { return strings.Contains(st.ReadOnly, "deployment controller BLUE_MOON") }},
		{"no PRIMARY", at(opDescribeServices, ts+"0.status", oddanswers.Unknown),
			func(st model.EnvStatus) bool { return st.Error == "" && st.Version.SHA == strings.Repeat("8", 40) }},
		{"null task sets", at(opDescribeServices, "services.0.taskSets", []any{nil}),
			func(st model.EnvStatus) bool { return st.Error == "" && st.State == model.StateSteady }},
		{"null task definition", at(opDescribeServices, ts+"1.taskDefinition", nil),
			func(st model.EnvStatus) bool {
				return st.Error == "" && st.Deployment != nil && st.Deployment.ToSHA == ""
			}},
		{"unknown stability", at(opDescribeServices, ts+"0.stabilityStatus", oddanswers.Unknown),
			func(st model.EnvStatus) bool { return st.Error == "" }},
		{"null scale and dates", at(opDescribeServices, ts+"1.scale", nil),
			func(st model.EnvStatus) bool { return st.Error == "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			answers := map[string][]byte{opDescribeServices: []byte(codeDeployAnswer)}
			oddanswers.Apply(t, answers, tc.change)
			if st := readTaskSets(t, answers[opDescribeServices]); !tc.check(st) {
				t.Errorf("read %+v", st)
			}
		})
	}
}

// FuzzECSTaskSets: any DescribeServices answer around a task-set service
// maps without a panic.
func FuzzECSTaskSets(f *testing.F) {
	for _, b := range oddanswers.Seeds([][]byte{[]byte(codeDeployAnswer)}, nil, 100) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) { readTaskSets(t, body) })
}
