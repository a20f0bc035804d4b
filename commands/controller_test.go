package commands

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// A CODE_DEPLOY service mid blue/green: rollback, promote and abort are
// refused with why, exit 3, and nothing is sent (no RegisterTaskDefinition,
// no UpdateService).
func TestCodeDeployServiceIsReadOnly(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := simtest.Start(t, time.Now(), sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	c := awsecs.New(awsecs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	register := func(family, tag string) string {
		out, err := c.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String(family),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("acme/api:" + tag), Memory: aws.Int32(128)}}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	}
	const sha1, sha2, sha3 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222", "3333333333333333333333333333333333333333"
	for _, cl := range []string{"staging", "prod"} {
		if _, err := c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String(cl)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("staging"), ServiceName: aws.String("api"),
		TaskDefinition: aws.String(register("api-staging", sha3)), DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	old := register("api-prod", sha1)
	if _, err := c.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("api"),
		TaskDefinition: aws.String(old), DesiredCount: aws.Int32(2), DeploymentController: &types.DeploymentController{Type: types.DeploymentControllerTypeCodeDeploy}}); err != nil {
		t.Fatal(err)
	}
	srv.Step(5 * time.Minute)
	srv.World.CodeDeployReplace("prod", "api", register("api-prod", sha2))
	srv.Step(time.Minute)
	path := filepath.Join(t.TempDir(), "sim.yaml")
	if err := os.WriteFile(path, srv.World.WriteConfig(srv.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	srv.World.ResetRequests()
	const why = "prod is deployed by CodeDeploy; flightdeck shows it but does not change it"
	for _, args := range [][]string{
		{"rollback", "api", "prod", "--to", sha1, "--yes"},
		{"rollback", "api", "prod", "--abort", "--yes"},
		{"promote", "api", "--from", "staging", "--to", "prod", "--yes"},
	} {
		code, out, stderr := runCmd(t, append([]string{"--config", path, "--audit-log", audit}, args...)...)
		if code != exitRefused || !strings.Contains(stderr, why) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s%s", args, code, exitRefused, why, stderr, out)
		}
	}
	for _, op := range []string{"ecs:RegisterTaskDefinition", "ecs:UpdateService", "ecs:StopServiceDeployment"} {
		if n := srv.World.Requests()[op]; n != 0 {
			t.Errorf("%s sent %d times", op, n)
		}
	}
	code, out, _ := runCmd(t, "--config", path, "status", "--json")
	if code != exitOK || !strings.Contains(out, `"controller": "CODE_DEPLOY"`) || !strings.Contains(out, `"read_only": "`+why+`"`) {
		t.Errorf("status --json (exit %d):\n%s", code, out)
	}
}
