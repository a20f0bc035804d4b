package githubactions

import (
	"strings"
	"testing"
)

// Two services deployed by one repository's workflow (a monorepo) share
// one list of runs a poll; FetchServices polls only the services named,
// as Fetch polls them, gates included.
func TestSharedListAndSubsetPolls(t *testing.T) {
	f, _ := twoWaiting(t)
	admin := webService
	admin.Name = "web-admin"
	s := f.source(t, Options{}, webService, admin, workerService)

	fetchOK(t, s)
	ops, _ := f.count()
	if ops["list-workflow-runs"] != 2 {
		t.Errorf("a poll of web, web-admin (one workflow of acme/web) and worker listed runs %d times, want 2", ops["list-workflow-runs"])
	}

	f.resetSeen()
	sts, err := s.FetchServices(ctx, []string{"worker"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 || sts[0].Service != "worker" || len(sts[0].Gates) != 1 || len(sts[0].Pipelines) == 0 {
		t.Fatalf("worker alone: %+v", sts)
	}
	for _, r := range f.requests() {
		if !strings.Contains(r.Path, "acme/worker") {
			t.Errorf("a poll of worker alone read %s", r.Path)
		}
	}
	if sts, _ := s.FetchServices(ctx, []string{"nope"}); len(sts) != 0 {
		t.Errorf("a service the source does not read: %+v", sts)
	}
}
