package ecs

import (
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// A retention policy deregisters and deletes old revisions, but not one a
// service still runs: a blue/green standby stays on its revision while
// its twin deploys again and again, and ECS still describes that revision
// (a deleted one in use waits in DELETE_IN_PROGRESS).
func TestRetainKeepsARevisionInUse(t *testing.T) {
	pt := New(loop.New(1, 1, time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)), "123456789012", nil)
	pt.AddCluster("production", "eu-west-1")
	reg := func() string {
		return pt.Register(Registration{Family: "checkout-production", KeepActive: 3, Region: "eu-west-1",
			Containers: []Container{{Name: "checkout", Image: "acme/checkout:1"}}})
	}
	standby := reg()
	if !pt.CreateService(ServiceSpec{Cluster: "production", Name: "checkout-blue", TaskDef: standby, Desired: 1}) {
		t.Fatal("the service was not created")
	}
	var last string
	for range 12 {
		last = reg()
	}
	if pt.findTaskDef(standby) == nil {
		t.Errorf("%s, which checkout-blue runs, was deleted by retention", standby)
	}
	if _, e := pt.ecsDescribeTaskDefinition([]byte(`{"taskDefinition":"` + standby + `"}`)); e != nil {
		t.Errorf("DescribeTaskDefinition of the revision in use: %v", e)
	}
	// What no service uses goes as before: of the 13, the 3 ACTIVE, the 2
	// newest INACTIVE and the one in use are left.
	if n := len(pt.families["checkout-production"].revs); n != 6 {
		t.Errorf("%d revisions kept, want 6 (newest %s)", n, last)
	}
}
