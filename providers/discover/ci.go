package discover

// CI is a service's pipeline as the config names it.
type CI struct {
	// Provider is "circleci" or "github-actions" (config.ci.provider).
	Provider string
	// Project is the CircleCI project slug, gh/OWNER/REPO.
	Project string
	// Workflow is the GitHub Actions workflow file chosen; Workflows every
	// workflow file the repository has, for the comment.
	Workflow  string
	Workflows []string
	// Also names the other CI the repository has configured, if any.
	Also string
}
