package beanstalk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

func actionWorld(t *testing.T) (*world, *Source) {
	w := newWorld(t)
	w.version("web", "web-1111111-a", "", "Processed", t0.Add(-3*time.Hour))
	w.version("web", "web-2222222-b", "", "Failed", t0.Add(-2*time.Hour))
	w.version("web", "web-3333333-c", "", "Processed", t0.Add(-time.Hour))
	w.version("web", "release-42", "no commit here", "Processed", t0.Add(-30*time.Minute))
	w.env(envDesc("web", "web-stg", "web-3333333-c", "Ready", "Green", ""))
	w.env(envDesc("web", "web-prod", "web-1111111-a", "Ready", "Green", ""))
	w.env(envDesc("web2", "web2-prod", "web-1111111-a", "Ready", "Green", ""))
	w.event("web-prod", t0.Add(-170*time.Minute), "INFO", "Environment update is starting.")
	w.event("web-prod", t0.Add(-169*time.Minute), "INFO", "Environment update completed successfully.", "web-1111111-a")
	s := w.source(t, nil,
		Environment{Key: key("web", "staging"), Application: "web", Name: "web-stg"},
		Environment{Key: key("web", "production"), Application: "web", Name: "web-prod"},
		Environment{Key: key("web", "other"), Application: "web2", Name: "web2-prod"})
	return w, s
}

func TestHistoryAndRollback(t *testing.T) {
	w, s := actionWorld(t)
	revs, err := s.History(context.Background(), key("web", "production"))
	if err != nil || len(revs) != 4 {
		t.Fatalf("%v %+v", err, revs)
	}
	if revs[0].Version.Revision != "release-42" || revs[0].Version.SHA != "" || !revs[0].Available {
		t.Errorf("label without a SHA: %+v", revs[0])
	}
	if revs[2].Available || revs[2].Why != "its processing failed" {
		t.Errorf("failed version offered: %+v", revs[2])
	}
	if !revs[3].Current || !revs[3].DeployedAt.Equal(t0.Add(-170*time.Minute)) {
		t.Errorf("current: %+v", revs[3])
	}
	// By SHA: the newest deployable carrying it.
	rc, err := s.Rollback(context.Background(), key("web", "production"), model.Version{SHA: "3333333"}, false)
	if err != nil || rc.Calls[0].Params["VersionLabel"] != "web-3333333-c" || len(rc.RequestIDs) != 1 {
		t.Fatalf("rollback: %v %+v", err, rc)
	}
	f := w.srv.lastForm("UpdateEnvironment")
	if first(f, "VersionLabel") != "web-3333333-c" || first(f, "EnvironmentName") != "web-prod" || len(f) != 5 {
		t.Errorf("UpdateEnvironment sent %v; want the label and nothing that changes settings", f)
	}
	// By label, with no SHA at all.
	w.set("web-prod", map[string]any{"Status": "Ready"})
	if rc, err := s.Rollback(context.Background(), key("web", "production"), model.Version{Revision: "release-42"}, true); err != nil || rc.Calls[0].Params["VersionLabel"] != "release-42" {
		t.Fatalf("rollback by label: %v %+v", err, rc)
	}
	// A failed version is not deployed.
	if _, err := s.Rollback(context.Background(), key("web", "production"), model.Version{SHA: "2222222"}, false); !model.IsRefusal(err) || !strings.Contains(err.Error(), "processing failed") {
		t.Fatalf("rollback to a failed version: %v", err)
	}
}

func TestPromote(t *testing.T) {
	w, s := actionWorld(t)
	src := model.Version{SHA: "3333333", Revision: "web-3333333-c", Artifact: "s3://bundles/web/web-3333333-c.zip"}
	// Same application: the label is deployed as it is.
	rc, err := s.Promote(context.Background(), key("web", "production"), src, false)
	if err != nil || len(rc.Calls) != 1 || rc.Calls[0].Operation != opUpdateEnvironment {
		t.Fatalf("same application: %v %+v", err, rc)
	}
	// Another application: created from the same bundle, then deployed.
	rc, err = s.Promote(context.Background(), key("web", "other"), src, false)
	if err != nil || len(rc.Calls) != 2 || rc.Calls[0].Operation != opCreateApplicationVersion || len(rc.RequestIDs) != 2 {
		t.Fatalf("other application: %v %+v", err, rc)
	}
	f := w.srv.lastForm("CreateApplicationVersion")
	if first(f, "SourceBundle.S3Bucket") != "bundles" || first(f, "SourceBundle.S3Key") != "web/web-3333333-c.zip" || first(f, "ApplicationName") != "web2" ||
		!strings.Contains(first(f, "Description"), "3333333") {
		t.Errorf("CreateApplicationVersion sent %v", f)
	}
	// A label the target has for another bundle is not overwritten.
	w.version("web2", "web-2222222-b", "", "Processed", t0)
	_, err = s.Promote(context.Background(), key("web", "other"), model.Version{Revision: "web-2222222-b", Artifact: "s3://bundles/web/web-2222222-b.zip"}, false)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "another bundle") {
		t.Fatalf("clashing label: %v", err)
	}
}

func TestAbortAndRefusedCalls(t *testing.T) {
	w, s := actionWorld(t)
	if _, err := s.Abort(context.Background(), key("web", "production"), false); !model.IsRefusal(err) {
		t.Fatalf("abort with nothing in flight: %v", err)
	}
	w.set("web-prod", map[string]any{"Status": "Updating", "AbortableOperationInProgress": true})
	rc, err := s.Abort(context.Background(), key("web", "production"), false)
	if err != nil || rc.Calls[0].Operation != opAbortEnvironmentUpdate {
		t.Fatalf("abort: %v %+v", err, rc)
	}
	// Refused by Beanstalk: definite, mapped, with its request id; not retried.
	w.fail["UpdateEnvironment"] = &apiError{403, "InsufficientPrivilegesException", "User is not authorized to perform elasticbeanstalk:UpdateEnvironment"}
	w.srv.take()
	rc, err = s.Rollback(context.Background(), key("web", "production"), model.Version{SHA: "3333333"}, false)
	if !errors.Is(err, providers.ErrAuth) || !providers.Definite(err) || len(rc.RequestIDs) != 1 {
		t.Fatalf("insufficient privileges: %v %+v", err, rc)
	}
	if n := w.srv.take()["UpdateEnvironment"]; n != 1 {
		t.Errorf("UpdateEnvironment sent %d times", n)
	}
	w.fail["UpdateEnvironment"] = &apiError{400, "Throttling", "Rate exceeded"}
	if _, err = s.Rollback(context.Background(), key("web", "production"), model.Version{SHA: "3333333"}, false); !errors.Is(err, providers.ErrThrottled) || !providers.Definite(err) {
		t.Fatalf("throttled: %v", err)
	}
	w.fail["UpdateEnvironment"] = &apiError{400, "InvalidParameterValue", "No Environment found for EnvironmentName = 'web-prod'."}
	if _, err = s.Rollback(context.Background(), key("web", "production"), model.Version{SHA: "3333333"}, false); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("not found: %v", err)
	}
	w.fail["UpdateEnvironment"] = &apiError{500, "InternalFailure", "oops"}
	if _, err = s.Rollback(context.Background(), key("web", "production"), model.Version{SHA: "3333333"}, false); err == nil || providers.Definite(err) {
		t.Fatalf("a 5xx must leave the outcome unknown: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	_, s := actionWorld(t)
	a := model.Action{Kind: model.ActionRollback, Service: "web", Environment: "production", To: model.Version{SHA: "3333333", Revision: "web-3333333-c"}}
	if got := s.Describe(a); !strings.Contains(got, "UpdateEnvironment: deploy application version web-3333333-c (3333333) to Elastic Beanstalk environment web-prod of web") {
		t.Errorf("%s", got)
	}
	a.Kind, a.SourceEnv = model.ActionPromote, "staging"
	if got := s.Describe(a); !strings.Contains(got, "CreateApplicationVersion first") {
		t.Errorf("%s", got)
	}
	a.Kind, a.From = model.ActionCanaryAbort, model.Version{SHA: "2222222"}
	if got := s.Describe(a); !strings.Contains(got, "AbortEnvironmentUpdate: stop the traffic-splitting deploy") || !strings.Contains(got, "2222222") {
		t.Errorf("%s", got)
	}
	a.Kind = model.ActionCanaryPromote
	if got := s.Describe(a); !strings.Contains(got, "nothing is sent") {
		t.Errorf("%s", got)
	}
}
