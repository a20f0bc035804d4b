package ecs

import (
	"context"
	"errors"

	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
)

// noActions gives fakeAPI the calls History and the release actions make,
// each failing: the fake serves state detection only.
type noActions struct{}

var errNotInFake = errors.New("not in the fake")

func (noActions) ListTaskDefinitions(context.Context, *awsecs.ListTaskDefinitionsInput, ...func(*awsecs.Options)) (*awsecs.ListTaskDefinitionsOutput, error) {
	return nil, errNotInFake
}

func (noActions) DescribeServiceDeployments(context.Context, *awsecs.DescribeServiceDeploymentsInput, ...func(*awsecs.Options)) (*awsecs.DescribeServiceDeploymentsOutput, error) {
	return nil, errNotInFake
}

func (noActions) DescribeServiceRevisions(context.Context, *awsecs.DescribeServiceRevisionsInput, ...func(*awsecs.Options)) (*awsecs.DescribeServiceRevisionsOutput, error) {
	return nil, errNotInFake
}

func (noActions) RegisterTaskDefinition(context.Context, *awsecs.RegisterTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.RegisterTaskDefinitionOutput, error) {
	return nil, errNotInFake
}

func (noActions) UpdateService(context.Context, *awsecs.UpdateServiceInput, ...func(*awsecs.Options)) (*awsecs.UpdateServiceOutput, error) {
	return nil, errNotInFake
}

func (noActions) StopServiceDeployment(context.Context, *awsecs.StopServiceDeploymentInput, ...func(*awsecs.Options)) (*awsecs.StopServiceDeploymentOutput, error) {
	return nil, errNotInFake
}

func (noActions) ContinueServiceDeployment(context.Context, *awsecs.ContinueServiceDeploymentInput, ...func(*awsecs.Options)) (*awsecs.ContinueServiceDeploymentOutput, error) {
	return nil, errNotInFake
}

// The fake has no tasks: no stopped task to read.
func (noActions) ListTasks(context.Context, *awsecs.ListTasksInput, ...func(*awsecs.Options)) (*awsecs.ListTasksOutput, error) {
	return &awsecs.ListTasksOutput{}, nil
}

func (noActions) DescribeTasks(context.Context, *awsecs.DescribeTasksInput, ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error) {
	return nil, errNotInFake
}
