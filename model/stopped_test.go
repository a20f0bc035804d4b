package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStoppedGroupSummary(t *testing.T) {
	code := func(n int) *int { return &n }
	cases := []struct {
		g    StoppedGroup
		want string
	}{
		{StoppedGroup{Count: 3, Reason: "Essential container in task exited", StopCode: "EssentialContainerExited",
			Containers: []StoppedContainer{{Name: "api", ExitCode: code(137), Reason: "OutOfMemoryError: Container killed due to memory usage"}, {Name: "log_router", ExitCode: code(0)}}},
			"3 tasks: Essential container in task exited — api exit 137 (OutOfMemoryError: Container killed due to memory usage)"},
		{StoppedGroup{Count: 1, Reason: "CannotPullContainerError: not found", Containers: []StoppedContainer{{Name: "api", Reason: "CannotPullContainerError: not found"}}},
			"1 task: CannotPullContainerError: not found — api"},
		{StoppedGroup{Count: 2, StopCode: "TaskFailedToStart"}, "2 tasks: TaskFailedToStart"},
		{StoppedGroup{Count: 2, Reason: "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api-prod/0123)",
			HealthCheck: "load_balancer", TargetGroup: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api-prod/0123",
			Containers: []StoppedContainer{{Name: "api", ExitCode: code(143)}}},
			"2 tasks: Task failed ELB health checks (target group api-prod) — api exit 143"},
		{StoppedGroup{Count: 2}, "2 tasks: stopped, no reason given"},
		{StoppedGroup{Count: 2, Reason: "x", Containers: []StoppedContainer{{Name: "a", ExitCode: code(1)}, {Name: "b", ExitCode: code(2)}}}, "2 tasks: x — a exit 1; b exit 2"},
	}
	for _, c := range cases {
		if got := c.g.Summary(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

// The JSON keeps an exit code of 0 and leaves out one that is unknown.
func TestStoppedGroupJSON(t *testing.T) {
	zero := 0
	b, err := json.Marshal(Deployment{StoppedTasks: []StoppedGroup{{Count: 1, Reason: "r", LastAt: time.Unix(0, 0).UTC(),
		Containers: []StoppedContainer{{Name: "a", ExitCode: &zero}, {Name: "b"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"stopped_tasks":[{"count":1,"reason":"r","containers":[{"name":"a","exit_code":0},{"name":"b"}],"last_at":"1970-01-01T00:00:00Z"}]`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s\nlacks %s", s, want)
		}
	}
	if strings.Contains(s, "stopped_tasks_error") {
		t.Errorf("empty error written: %s", s)
	}
}
