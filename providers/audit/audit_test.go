package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/secret"
)

func TestAppendAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "flightdeck", "audit.jsonl")
	token := "ghp_SuperSecretTokenValue1234"
	secret.Register(token)
	l := Open(path)
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	ok := Record{Time: t0, User: "dana", Action: "rollback", Service: "api", Environment: "production",
		From: "1c0ffee", To: "7d3e2a1", Result: ResultOK, RequestIDs: []string{"req-1"}}
	failed := ok
	failed.Result, failed.Error, failed.RequestIDs = ResultFailed, "POST https://x?token="+token+": 500", nil
	for _, r := range []Record{ok, failed} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), token[:secret.Fragment]) {
		t.Fatalf("a token reached the audit log:\n%s", raw)
	}
	if n := strings.Count(string(raw), "\n"); n != 2 {
		t.Fatalf("want 2 lines, got %d:\n%s", n, raw)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, want 0600", st.Mode().Perm())
	}
	// A torn last line (crash mid-write) does not hide the history.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-11-21T10:0`)
	f.Close()
	got, skipped, err := Read(path)
	if err != nil || skipped != 1 || len(got) != 2 {
		t.Fatalf("Read = %d records, %d skipped, %v", len(got), skipped, err)
	}
	if got[0].Result != ResultOK || got[0].RequestIDs[0] != "req-1" || !got[0].Time.Equal(t0) {
		t.Errorf("first record %+v", got[0])
	}
	if got[1].Result != ResultFailed || !strings.Contains(got[1].Error, "[redacted]") || got[1].RequestIDs == nil {
		t.Errorf("second record %+v", got[1])
	}
}

func TestReadMissingIsEmpty(t *testing.T) {
	got, skipped, err := Read(filepath.Join(t.TempDir(), "none.jsonl"))
	if err != nil || skipped != 0 || len(got) != 0 {
		t.Errorf("missing log: %v %d %v", got, skipped, err)
	}
}

func TestAppendFailsLoudly(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	// The log's directory is a regular file: the append must fail, so the
	// action is not reported as done without its record.
	if err := Open(filepath.Join(blocker, "audit.jsonl")).Append(Record{}); err == nil {
		t.Error("append into an impossible path succeeded")
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		r    Record
		want string
	}{
		{Record{Service: "api", Environment: "production"}, "api/production"},
		{Record{Service: "api", Environment: "production", SourceEnv: "staging"}, "api/production ← staging"},
		{Record{Service: "api", Environment: "production", Gate: "hold-production"}, "api hold-production"},
		{Record{Service: "api", Workflow: "build-deploy"}, "api workflow build-deploy"},
	} {
		if got := tc.r.Target(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
