// Package awsx is what the AWS backends (ecs, beanstalk) share: the one
// way an AWS client is configured (the default chain, per-environment
// region and profile, an endpoint, the retry policy, credentials
// registered with package secret), the transport work-around, the mapping
// of AWS errors onto the sentinels of package providers, and the source
// names. Each backend keeps its own service's codes (not-found codes,
// operations) and passes them in.
package awsx
