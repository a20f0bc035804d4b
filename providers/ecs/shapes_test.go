package ecs

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
)

// Real answers with one odd place: an unknown enum value is read as a
// state with no verdict, a null as the field's absence, and a value of the
// wrong type makes the environment's error.
func TestOddShapes(t *testing.T) {
	base := baseAnswers()
	// The edits below are to the api service, wherever it stands.
	var described struct {
		Services []struct {
			ServiceName string `json:"serviceName"`
		} `json:"services"`
	}
	if err := json.Unmarshal(base[opDescribeServices], &described); err != nil {
		t.Fatal(err)
	}
	api := "services.-1"
	for i, s := range described.Services {
		if s.ServiceName == fuzzEnv.Service {
			api = "services." + strconv.Itoa(i)
		}
	}
	at := oddanswers.At
	oddanswers.RunCases(t, func(testing.TB) map[string][]byte { return baseAnswers() }, []oddanswers.Case[model.EnvStatus]{
		{Name: "unknown rollout state", Changes: []oddanswers.Change{at(opDescribeServices, api+".deployments.0.rolloutState", "FROBNICATED")}},
		{Name: "unknown deployment status", Changes: []oddanswers.Change{at(opDescribeServices, api+".deployments.0.status", oddanswers.Unknown)}},
		{Name: "unknown service deployment status", Changes: []oddanswers.Change{at(opListServiceDeployments, "serviceDeployments.0.status", oddanswers.Unknown)}},
		{Name: "null deployments and events", Changes: []oddanswers.Change{at(opDescribeServices, api+".deployments", []any{nil}), at(opDescribeServices, api+".events", []any{nil})},
			Check: func(t *testing.T, st model.EnvStatus) {
				if st.Version.SHA == "" {
					t.Errorf("no version from the service's own task definition: %+v", st)
				}
			}},
		{Name: "nulls in a deployment", Changes: []oddanswers.Change{
			at(opDescribeServices, api+".deployments.0.id", nil), at(opDescribeServices, api+".deployments.0.createdAt", nil),
			at(opDescribeServices, api+".deployments.0.taskDefinition", nil), at(opDescribeServices, api+".deployments.0.rolloutState", nil)}},
		{Name: "a string for a count", Changes: []oddanswers.Change{at(opDescribeServices, api+".runningCount", "3")}, Err: "expected"},
		{Name: "a date that is not one", Changes: []oddanswers.Change{at(opDescribeServices, api+".createdAt", "yesterday")}, Err: "expected"},
		{Name: "null containers", Changes: []oddanswers.Change{at(opDescribeTaskDefinition, "taskDefinition.containerDefinitions", []any{nil})},
			Err: `container "api" is not in it (it has: (unnamed))`},
		{Name: "no task definition", Changes: []oddanswers.Change{at(opDescribeTaskDefinition, "taskDefinition", nil)}, Err: "empty answer"},
	}, func(t *testing.T, answers map[string][]byte) (model.EnvStatus, string) {
		h := &canned{}
		h.answers.Store(&answers)
		s := newSource(sdkClient(oddanswers.Transport{Handler: h}), testRegion, Options{Environments: []Environment{fuzzEnv}, Now: fakeclock.New(t0).Now})
		before := providers.RecoveredPanics()
		sts, _ := s.Fetch(context.Background())
		if providers.RecoveredPanics() != before || len(sts) != 1 {
			t.Fatalf("a panic was recovered: %+v", sts)
		}
		return sts[0], sts[0].Error
	})
}
