// Package discover finds what a team already runs, for `flightdeck init`:
// the ECS services of every cluster (ListClusters, ListServices,
// DescribeServices, DescribeTaskDefinition) and the Elastic Beanstalk
// environments (DescribeApplications, DescribeEnvironments) of the regions
// asked for, the repository each image names in its
// org.opencontainers.image.source label, and each repository's CI (a
// CircleCI config or GitHub workflows, read through GitHub's contents API).
//
// Group turns what was found into services by their names (api-staging
// and api-prod are two environments of api), in promotion order; Render
// writes them as a commented config that package config reads back. Both
// are pure: the tests hold them to real-world names.
package discover
