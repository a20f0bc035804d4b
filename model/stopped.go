package model

import (
	"fmt"
	"strings"
	"time"
)

// StoppedGroup is a number of a deploy's tasks that stopped alike: the
// same reason, stop code and containers' exit codes and reasons.
type StoppedGroup struct {
	Count int `json:"count"`
	// Reason is the platform's word (ECS's stoppedReason): "Essential
	// container in task exited", "Task failed ELB health checks in
	// (target-group …)", "CannotPullContainerError: …".
	Reason string `json:"reason"`
	// StopCode is ECS's stopCode: TaskFailedToStart,
	// EssentialContainerExited, ServiceSchedulerInitiated, …
	StopCode   string             `json:"stop_code,omitempty"`
	Containers []StoppedContainer `json:"containers,omitempty"`
	// HealthCheck says the tasks were stopped for failing health checks:
	// "load_balancer" (the target group's, TargetGroup naming it) or
	// "container" (the task definition's own); "" otherwise.
	HealthCheck string `json:"health_check,omitempty"`
	TargetGroup string `json:"target_group,omitempty"`
	// LastAt is when the last of them stopped.
	LastAt time.Time `json:"last_at,omitzero"`
}

// StoppedContainer is one container of a stopped task: its exit code
// (nil when it never ran) and the platform's reason, if any.
type StoppedContainer struct {
	Name     string `json:"name"`
	ExitCode *int   `json:"exit_code,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Telling reports whether the container says something about the failure:
// a reason, or an exit code other than 0.
func (c StoppedContainer) Telling() bool {
	return c.Reason != "" || c.ExitCode != nil && *c.ExitCode != 0
}

// Summary is the group in one line: "3 tasks: Essential container in task
// exited — api exit 137 (OutOfMemoryError: Container killed due to memory
// usage)". Containers that exited 0 without a reason are left out. The
// text is outside text: the caller makes it printable.
func (g StoppedGroup) Summary() string {
	var b strings.Builder
	if g.Count == 1 {
		b.WriteString("1 task: ")
	} else {
		fmt.Fprintf(&b, "%d tasks: ", g.Count)
	}
	reason := g.Reason
	if g.HealthCheck == "load_balancer" && g.TargetGroup != "" {
		// The reason quotes the whole ARN; its name is what reads.
		reason = "Task failed ELB health checks (target group " + targetGroupName(g.TargetGroup) + ")"
	}
	if reason == "" {
		reason = g.StopCode
	}
	if reason == "" {
		reason = "stopped, no reason given"
	}
	b.WriteString(reason)
	sep := " — "
	for _, c := range g.Containers {
		if !c.Telling() {
			continue
		}
		b.WriteString(sep)
		sep = "; "
		b.WriteString(c.Name)
		if c.ExitCode != nil {
			fmt.Fprintf(&b, " exit %d", *c.ExitCode)
		}
		// A pull error repeats the task's reason word for word.
		if c.Reason != "" && c.Reason != g.Reason {
			b.WriteString(" (" + c.Reason + ")")
		}
	}
	return b.String()
}

// targetGroupName is the name in "arn:…:targetgroup/<name>/<id>", or the
// text as given.
func targetGroupName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}
