// Package audit owns flightdeck's audit log: one JSON line per action
// attempt (done, failed, refused or dry-run), appended and fsynced before
// the action is reported as done, so the record survives a crash that
// follows it.
package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/termsafe"
)

// Results of an attempt.
const (
	ResultOK      = "ok"
	ResultFailed  = "failed"
	ResultRefused = "refused"
	ResultDryRun  = "dry-run"
	// ResultUnknown is a call whose answer never came: the service may
	// have acted. A later record of the same attempt (Resolves) says what
	// reading the world again found.
	ResultUnknown = "unknown"
)

// Record is one action attempt. It names no credential by construction;
// every line is scrubbed of secrets anyway (package secret) as it is
// written.
type Record struct {
	Time time.Time `json:"time"`
	User string    `json:"user"`
	// Key is the fingerprint of the SSH key the user signed in with, on
	// `flightdeck serve` (SHA256:…); absent for a local flightdeck.
	Key         string `json:"key,omitempty"`
	Action      string `json:"action"`
	Service     string `json:"service"`
	Environment string `json:"environment"`
	SourceEnv   string `json:"source_env,omitempty"`
	// Gate and Workflow name what a CI action answered or acted on.
	Gate       string   `json:"gate,omitempty"`
	Workflow   string   `json:"workflow,omitempty"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	DryRun     bool     `json:"dry_run"`
	Result     string   `json:"result"`
	Error      string   `json:"error,omitempty"`
	RequestIDs []string `json:"request_ids"`
	Detail     string   `json:"detail,omitempty"`
	// Resolves, on the record that settles an unknown outcome, is the time
	// of the record it settles.
	Resolves *time.Time `json:"resolves,omitempty"`
}

// Target names what the action acted on: "api/production", "api/production
// ← staging" for a promotion, "api hold-production" for a gate, "api
// workflow build-deploy" for a rerun or cancel.
func (r Record) Target() string {
	switch {
	case r.Gate != "":
		return r.Service + " " + r.Gate
	case r.Workflow != "":
		return r.Service + " workflow " + r.Workflow
	case r.SourceEnv != "":
		return r.Service + "/" + r.Environment + " ← " + r.SourceEnv
	}
	return r.Service + "/" + r.Environment
}

// Log appends records to one file. Safe for concurrent use.
type Log struct {
	path string
	mu   sync.Mutex
}

// Open returns the log at path; the file and its directory are created on
// the first append (0600 and 0700: the log says who did what).
func Open(path string) *Log {
	return &Log{path: path}
}

// Path is where the log lives.
func (l *Log) Path() string { return l.path }

// Append writes one record as a line and fsyncs it. The line is scrubbed
// of every known secret, whichever field carries it, and characters a
// terminal would obey are \u escapes (someone will cat this file).
func (l *Log) Append(r Record) error {
	if r.RequestIDs == nil {
		r.RequestIDs = []string{}
	}
	line, err := termsafe.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("audit: write %s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit: fsync %s: %w", l.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit: close %s: %w", l.path, err)
	}
	return nil
}

// Read returns every record in the log, oldest first. A missing file is an
// empty log. A line that does not parse (a torn write) is skipped and
// counted, never fatal: the rest of the history still matters.
func Read(path string) (records []Record, skipped int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r Record
		if json.Unmarshal([]byte(line), &r) != nil {
			skipped++
			continue
		}
		records = append(records, r)
	}
	if err := sc.Err(); err != nil {
		return records, skipped, fmt.Errorf("audit: read %s: %w", path, err)
	}
	return records, skipped, nil
}

// DefaultUser names who acts: the OS user, as the audit log's "who".
func DefaultUser(getenv func(string) string) string {
	for _, k := range []string{"USER", "LOGNAME", "USERNAME"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	// Cron jobs, containers and tmux servers often run without USER; the
	// account database still knows who we are.
	if u, err := user.Current(); err == nil {
		if u.Username != "" {
			return u.Username
		}
		return "uid " + u.Uid
	}
	return "unknown"
}
