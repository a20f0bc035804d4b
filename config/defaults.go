package config

import (
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for keys the file leaves out.
const (
	DefaultRefresh      = 10 * time.Second
	MinRefresh          = time.Second
	DefaultGitHubAPIURL = "https://api.github.com/"
	DefaultCircleCIHost = "https://circleci.com"
	DefaultBranch       = "main"
)

// DefaultAuditLog is where the audit log goes when audit_log is not set:
// $XDG_STATE_HOME/flightdeck/audit.jsonl, else ~/.local/state/flightdeck/audit.jsonl.
func DefaultAuditLog(getenv func(string) string) string {
	return filepath.Join(StateDir(getenv), "audit.jsonl")
}

// applyDefaults fills what the file left out and normalises what it gave:
// "~/" in audit_log, the trailing "/" go-github wants on a base URL, and
// none on the CircleCI host, which gets "/api/v2" appended.
func applyDefaults(c *Config, d *decoder, getenv func(string) string) {
	if !d.set["refresh"] {
		c.Refresh = Duration{DefaultRefresh}
	}
	if !d.set["bell"] {
		c.Bell = true
	}
	if c.AuditLog == "" {
		c.AuditLog = DefaultAuditLog(getenv)
	}
	c.AuditLog = expandHome(c.AuditLog, homeDir(getenv))

	c.GitHub.APIURLSet = c.GitHub.APIURL != ""
	if c.GitHub.APIURL == "" {
		c.GitHub.APIURL = DefaultGitHubAPIURL
	}
	if !strings.HasSuffix(c.GitHub.APIURL, "/") {
		c.GitHub.APIURL += "/"
	}
	c.CircleCI.HostSet = c.CircleCI.Host != ""
	if c.CircleCI.Host == "" {
		c.CircleCI.Host = DefaultCircleCIHost
	}
	c.CircleCI.Host = strings.TrimRight(c.CircleCI.Host, "/")

	for i := range c.Services {
		if ci := c.Services[i].CI; ci != nil && ci.Branch == "" {
			ci.Branch = DefaultBranch
		}
	}
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
