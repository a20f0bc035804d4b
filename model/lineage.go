package model

import (
	"strings"
	"time"
)

// Commit is one commit as the repository host tells it: enough to say on
// screen what a version is and who wrote it.
type Commit struct {
	SHA     string `json:"sha"`
	Subject string `json:"subject"`
	// Author is the commit author's name as git recorded it; Login is
	// their account on the host, when the host could match one.
	Author string    `json:"author"`
	Login  string    `json:"login,omitempty"`
	Time   time.Time `json:"time,omitzero"`
}

// ComparisonStatus says how a head commit stands to a base commit.
type ComparisonStatus string

// The statuses GitHub's compare API gives, from the head's point of view.
const (
	CompareAhead     ComparisonStatus = "ahead"     // head has commits base lacks, nothing else
	CompareBehind    ComparisonStatus = "behind"    // head is an ancestor of base
	CompareIdentical ComparisonStatus = "identical" // the same commit
	CompareDiverged  ComparisonStatus = "diverged"  // each has commits the other lacks
)

// Comparison is what lies between two commits: what promoting head over
// base would ship (AheadBy commits) and what it would take away (BehindBy).
type Comparison struct {
	Base     string           `json:"base"`
	Head     string           `json:"head"`
	Status   ComparisonStatus `json:"status"`
	AheadBy  int              `json:"ahead_by"`
	BehindBy int              `json:"behind_by"`
	// Commits are those head has and base lacks, newest first.
	Commits []Commit `json:"commits"`
	// Truncated says Commits holds fewer than AheadBy: the host lists at
	// most a page of them.
	Truncated bool `json:"truncated,omitempty"`
}

// FirstLine is a commit message's subject: its first line, trimmed. It
// stays the host's exact text (status --json prints it as it is); the
// terminal is kept safe where text is drawn (package termsafe).
func FirstLine(msg string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	return strings.TrimSpace(line)
}
