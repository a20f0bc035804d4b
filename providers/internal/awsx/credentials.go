package awsx

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/airside-dev/flightdeck/secret"
)

// secretCredentials hands the SDK its credentials and tells package secret
// about each set it resolves: the access key id, secret key and session
// token from a profile, SSO or an assumed role never appear in the
// environment, yet an AWS error may echo them.
type secretCredentials struct{ aws.CredentialsProvider }

func (c secretCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := c.CredentialsProvider.Retrieve(ctx)
	if err == nil {
		secret.Register(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	}
	return creds, err
}

// IsCredentialsProvider lets the SDK see through the wrapper (it asks
// whether the credentials are anonymous this way).
func (c secretCredentials) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(c.CredentialsProvider, target)
}
