package model

// JobLog is the end of a CI job's log, read on demand to say why the job
// failed. It is bounded: Text holds at most the last few tens of kilobytes
// of the log, whatever its size.
type JobLog struct {
	// Job and Step name what was read: the job, and the step whose output
	// it is (CircleCI: the failed step; GitHub: "" for the whole job).
	Job  string `json:"job"`
	Step string `json:"step,omitempty"`
	// Text is the log's tail, one line per line, colour codes removed.
	Text string `json:"text" termsafe:"block"`
	// Size is the whole log's size in bytes as the host reported or as
	// read; -1 when unknown.
	Size int64 `json:"size"`
	// Truncated says Text is only the end of the log.
	Truncated bool `json:"truncated"`
	// ExitCode is the failed step's exit code, when the host gives one.
	ExitCode *int `json:"exit_code,omitempty"`
}
