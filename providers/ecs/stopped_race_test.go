package ecs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

type stoppedRaceFake struct {
	noActions
	n atomic.Int64
}

func (*stoppedRaceFake) DescribeServices(context.Context, *awsecs.DescribeServicesInput, ...func(*awsecs.Options)) (*awsecs.DescribeServicesOutput, error) {
	return nil, errNotInFake
}
func (*stoppedRaceFake) DescribeTaskDefinition(context.Context, *awsecs.DescribeTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error) {
	return nil, errNotInFake
}
func (*stoppedRaceFake) ListServiceDeployments(context.Context, *awsecs.ListServiceDeploymentsInput, ...func(*awsecs.Options)) (*awsecs.ListServiceDeploymentsOutput, error) {
	return nil, errNotInFake
}

// Each listing names 200 tasks, a window that slides, so every write-back adds and deletes.
func (f *stoppedRaceFake) ListTasks(context.Context, *awsecs.ListTasksInput, ...func(*awsecs.Options)) (*awsecs.ListTasksOutput, error) {
	base := f.n.Add(7)
	var arns []string
	for i := int64(0); i < 100; i++ {
		arns = append(arns, fmt.Sprintf("arn:task/%d", base+i))
	}
	return &awsecs.ListTasksOutput{TaskArns: arns}, nil
}
func (f *stoppedRaceFake) DescribeTasks(_ context.Context, in *awsecs.DescribeTasksInput, _ ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error) {
	var out []types.Task
	for _, a := range in.Tasks {
		out = append(out, types.Task{TaskArn: aws.String(a), LastStatus: aws.String("STOPPED"), StoppedReason: aws.String("Essential container exited"), StartedBy: aws.String("ecs-svc/1")})
	}
	return &awsecs.DescribeTasksOutput{Tasks: out}, nil
}

// Two polls of one source at once (a poll and an action's re-check) on a
// failing deployment whose failed count moves.
func TestStoppedReadsConcurrently(t *testing.T) {
	s := &Source{client: &stoppedRaceFake{}, memory: map[string]*serviceMemory{}, now: time.Now, concurrency: 4, taskDefs: nil}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := failed.Add(1)
				svc := &types.Service{ServiceName: aws.String("api"), Deployments: []types.Deployment{{
					Id: aws.String("ecs-svc/1"), Status: aws.String("PRIMARY"), FailedTasks: n, RolloutState: types.DeploymentRolloutStateInProgress}}}
				s.readStoppedAll(context.Background(), map[svcRef]svcResult{{"c", "api"}: {svc: svc}})
			}
		}()
	}
	wg.Wait()
}
