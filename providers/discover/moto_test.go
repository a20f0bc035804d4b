package discover

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	awseb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"

	"github.com/airside-dev/flightdeck/providers/internal/awstest"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// TestDiscoverMoto: clusters, services, task definitions and Beanstalk
// environments made in moto with the SDK are found and written back.
func TestDiscoverMoto(t *testing.T) {
	url := awstest.Start(t)
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("testing", "testing", "")
	cfg, err := awsx.Load(ctx, awsx.Options{Region: "eu-west-1", EndpointURL: url, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	ecs := awsecs.NewFromConfig(cfg)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	register := func(family, repo string, sidecar bool) string {
		defs := []ecstypes.ContainerDefinition{{Name: aws.String(family), Image: aws.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + family + ":3f2a1c9"),
			Essential: aws.Bool(true), Memory: aws.Int32(256),
			DockerLabels: map[string]string{labelSource: "https://github.com/" + repo, labelRevision: "3f2a1c9d8e7f60123456789abcdef0123456789a"}}}
		if sidecar {
			defs = append(defs, ecstypes.ContainerDefinition{Name: aws.String("log_router"), Image: aws.String("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"),
				Essential: aws.Bool(true), Memory: aws.Int32(64)})
		}
		out, err := ecs.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String(family), ContainerDefinitions: defs})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	}
	// A hostile cluster: moto, as a proxy or a compromised endpoint might,
	// hands back whatever name it was given.
	must(ecs.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("prod\x1b]0;pwned\x07")}))
	for _, cl := range []string{"staging", "production", "shared"} {
		must(ecs.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String(cl)}))
	}
	apiTD := register("api", "acme/api", true)
	for _, cl := range []string{"staging", "production", "prod\x1b]0;pwned\x07"} {
		must(ecs.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String(cl), ServiceName: aws.String("api"), TaskDefinition: aws.String(apiTD), DesiredCount: aws.Int32(1)}))
	}
	// 12 services in one cluster: ListServices and DescribeServices in
	// batches.
	for i := range 12 {
		td := register(fmt.Sprintf("svc%02d", i), fmt.Sprintf("acme/svc%02d", i), false)
		for _, stage := range []string{"stg", "prod"} {
			must(ecs.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("shared"),
				ServiceName: aws.String(fmt.Sprintf("svc%02d-%s", i, stage)), TaskDefinition: aws.String(td), DesiredCount: aws.Int32(1)}))
		}
	}

	eb := awseb.NewFromConfig(cfg)
	must(eb.CreateApplication(ctx, &awseb.CreateApplicationInput{ApplicationName: aws.String("shop")}))
	for _, env := range []string{"shop-staging", "shop-prod"} {
		must(eb.CreateEnvironment(ctx, &awseb.CreateEnvironmentInput{ApplicationName: aws.String("shop"), EnvironmentName: aws.String(env),
			SolutionStackName: aws.String("64bit Amazon Linux 2023 v4.0.0 running Docker")}))
	}

	found, err := Discover(ctx, Options{Regions: []string{"eu-west-1"}, EndpointURL: url, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Warnings) > 0 {
		t.Errorf("warnings: %q", found.Warnings)
	}
	svcs, rejected := Group(found.Targets)
	if len(rejected) != 1 || !strings.Contains(rejected[0].What, `\x1b]0;pwned\a`) || !strings.Contains(rejected[0].Why, "U+001B") {
		t.Errorf("rejected %v, want the hostile cluster's service", rejected)
	}
	out := Render(svcs, Header{Regions: found.Regions, EndpointURL: url, Clusters: found.Clusters, Applications: found.Applications, Now: t0,
		CIUnread: "no GitHub token", Rejected: rejected})
	if strings.Contains(string(out), "\x1b") || !strings.Contains(string(out), `# Left out, as their names do not print as themselves:`) {
		t.Errorf("the hostile name is not left out, escaped:\n%s", out)
	}
	got := services(parseBack(t, out))
	want := "api[acme/api]: staging(staging/api#api@eu-west-1) production(production/api#api@eu-west-1)!\n" +
		"shop[]: staging(shop/shop-staging@eu-west-1) production(shop/shop-prod@eu-west-1)!\n"
	for i := range 12 {
		want += fmt.Sprintf("svc%02d[acme/svc%02d]: staging(shared/svc%02d-stg@eu-west-1) production(shared/svc%02d-prod@eu-west-1)!\n", i, i, i, i)
	}
	if got+"\n" != want {
		t.Errorf("config read back as\n%s\nwant\n%s\n%s", got, want, out)
	}
	if found.Clusters != 4 || found.Applications != 1 {
		t.Errorf("counted %d clusters, %d applications", found.Clusters, found.Applications)
	}
}
