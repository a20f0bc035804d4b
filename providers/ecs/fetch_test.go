package ecs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// apiErr is a DescribeServices failure as the SDK returns it: an API error
// code on an HTTP response, with a Retry-After header when retryAfter is set.
func apiErr(code string, status int, retryAfter string) error {
	resp := &http.Response{StatusCode: status, Header: http.Header{}}
	if retryAfter != "" {
		resp.Header.Set("Retry-After", retryAfter)
	}
	return &smithy.OperationError{ServiceID: "ECS", OperationName: "DescribeServices", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: resp},
			Err:      &smithy.GenericAPIError{Code: code, Message: code + " in this cluster"},
		},
	}}
}

// transportErr is a request that got no answer at all.
func transportErr() error {
	return &smithy.OperationError{ServiceID: "ECS", OperationName: "DescribeServices",
		Err: errors.New("dial tcp 10.0.0.1:443: connect: connection refused")}
}

// clusterSource is a fake-backed source whose environments are service "api"
// in each of the clusters named, environment name = cluster name.
func clusterSource(f *fakeAPI, clusters ...string) *Source {
	var envs []Environment
	for _, c := range clusters {
		envs = append(envs, Environment{Key: key("api", c), Cluster: c, Service: "api"})
	}
	return newSource(f, "us-east-1", Options{Environments: envs})
}

// mergeInto folds a Fetch answer into a fresh snapshot of the source's
// environments, as the poller does, and returns the snapshot.
func mergeInto(t *testing.T, s *Source, sts []model.EnvStatus, err error) *model.Snapshot {
	t.Helper()
	spec := model.ServiceSpec{Name: "api"}
	for _, k := range s.Covers() {
		spec.Environments = append(spec.Environments, model.EnvSpec{Name: k.Environment, Target: model.TargetECS})
	}
	snap := model.NewSnapshot([]model.ServiceSpec{spec})
	snap.Merge(model.FetchResult{Source: s.Name(), Kind: s.Kind(), At: t0, Envs: sts, Covers: s.Covers(),
		Err: err, Throttled: errors.Is(err, providers.ErrThrottled)})
	return snap
}

// TestWholeSourceFailureNamesEachCluster: when every cluster fails, each
// environment still carries its own cluster's error (and nothing else), and
// the source error comes with them, so a production panel never shows the
// dev cluster's failure.
func TestWholeSourceFailureNamesEachCluster(t *testing.T) {
	f := newFakeAPI()
	f.set(svc("api:1", dep("d1", "PRIMARY", "COMPLETED", "api:1", 4, 4, 0, "")))
	f.clusterErr = map[string]error{
		"dev":        transportErr(),
		"production": apiErr("ServiceUnavailableException", 503, ""),
	}
	s := clusterSource(f, "dev", "production")
	sts, err := s.Fetch(context.Background())
	if err == nil {
		t.Fatalf("every cluster failed and Fetch returned no error")
	}
	if len(sts) != 2 {
		t.Fatalf("got %d environments, want both with their own error: %+v", len(sts), sts)
	}
	for i, want := range []struct{ env, own, other string }{{"dev", "in dev", "in production"}, {"production", "in production", "in dev"}} {
		st := sts[i]
		if st.Key() != key("api", want.env) {
			t.Fatalf("environment %d is %v, want api/%s", i, st.Key(), want.env)
		}
		if !strings.Contains(st.Error, want.own) || strings.Contains(st.Error, want.other) {
			t.Errorf("%v: error %q, want its own cluster's", st.Key(), st.Error)
		}
		if !onlyError(st) {
			t.Errorf("%v: a failed environment carries more than its error: %+v", st.Key(), st)
		}
	}
	snap := mergeInto(t, s, sts, err)
	for _, env := range []string{"dev", "production"} {
		e, _ := snap.Env(key("api", env))
		if !strings.Contains(e.Error, "describe services in "+env+":") {
			t.Errorf("after Merge, %s shows %q", env, e.Error)
		}
	}
	if h := snap.Sources[0]; h.Error == "" || !h.LastOK.IsZero() {
		t.Errorf("source health %+v, want the failure", h)
	}
	t.Logf("source error: %v", err)
}

// TestPartialThrottleBacksOff: some clusters read, others throttled. The
// good environments come back, the throttled ones with their own error, and
// the error is a *providers.ThrottledError asking for the longest
// Retry-After given, so the poller backs off.
func TestPartialThrottleBacksOff(t *testing.T) {
	f := newFakeAPI()
	f.set(svc("api:1", dep("d1", "PRIMARY", "COMPLETED", "api:1", 4, 4, 0, "")))
	f.clusterErr = map[string]error{
		"hot1": apiErr("ThrottlingException", 400, "3"),
		"hot2": apiErr("ThrottlingException", 400, "7"),
	}
	s := clusterSource(f, "cool", "hot1", "hot2", "gone")
	// A cluster that does not exist is that environment's trouble only.
	f.clusterErr["gone"] = apiErr("ClusterNotFoundException", 400, "")

	sts, err := s.Fetch(context.Background())
	te, ok := err.(*providers.ThrottledError)
	if !ok {
		t.Fatalf("error %T %v, want a *providers.ThrottledError", err, err)
	}
	if te.RetryAfter != 7*time.Second {
		t.Errorf("RetryAfter %v, want the longest asked (7s)", te.RetryAfter)
	}
	if d, ok := providers.RetryAfter(err); !ok || d != 7*time.Second || !errors.Is(err, providers.ErrThrottled) {
		t.Errorf("providers.RetryAfter %v %v, errors.Is throttled %v", d, ok, errors.Is(err, providers.ErrThrottled))
	}
	if msg := err.Error(); !strings.Contains(msg, "hot1") || !strings.Contains(msg, "hot2") || strings.Count(msg, "throttled") != 1 {
		t.Errorf("source error %q, want both throttled clusters named, and \"throttled\" once", msg)
	}
	if len(sts) != 4 {
		t.Fatalf("got %d environments, want 4", len(sts))
	}
	if st := sts[0]; st.Error != "" || st.State != model.StateSteady || st.Version.SHA != "aaaaaaa" {
		t.Errorf("the cluster that answered: %+v", st)
	}
	for _, st := range sts[1:3] {
		if !strings.Contains(st.Error, "describe services in "+st.Environment+":") || !strings.Contains(st.Error, "throttled") || !onlyError(st) {
			t.Errorf("%v: %+v, want its own throttled error and nothing else", st.Key(), st)
		}
	}
	if st := sts[3]; !strings.Contains(st.Error, "not found") || !onlyError(st) {
		t.Errorf("missing cluster: %+v", st)
	}

	snap := mergeInto(t, s, sts, err)
	if e, _ := snap.Env(key("api", "cool")); e.Error != "" || e.Version.SHA != "aaaaaaa" || e.FetchedAt.IsZero() {
		t.Errorf("after Merge the good environment is %+v", e)
	}
	if e, _ := snap.Env(key("api", "hot2")); !strings.Contains(e.Error, "in hot2:") {
		t.Errorf("after Merge hot2 shows %q", e.Error)
	}
	if h := snap.Sources[0]; !h.Throttled {
		t.Errorf("source health %+v, want throttled", h)
	}
	t.Logf("source error: %v", err)
}

// TestPartialAuthFailure: credentials refused in one cluster (another
// account's role, say) fail the source with ErrAuth while the cluster that
// answered still shows its data. Throttling elsewhere wins, so the poller
// backs off.
func TestPartialAuthFailure(t *testing.T) {
	f := newFakeAPI()
	f.set(svc("api:1", dep("d1", "PRIMARY", "COMPLETED", "api:1", 4, 4, 0, "")))
	f.clusterErr = map[string]error{"locked": apiErr("AccessDeniedException", 400, "")}
	s := clusterSource(f, "open", "locked")
	sts, err := s.Fetch(context.Background())
	if !errors.Is(err, providers.ErrAuth) || errors.Is(err, providers.ErrThrottled) {
		t.Fatalf("error %v, want ErrAuth", err)
	}
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("error %q does not name the cluster", err)
	}
	if len(sts) != 2 || sts[0].Error != "" || sts[0].Version.SHA != "aaaaaaa" || !strings.Contains(sts[1].Error, "locked") || !onlyError(sts[1]) {
		t.Fatalf("got %+v", sts)
	}

	f.clusterErr["hot"] = apiErr("ThrottlingException", 400, "")
	s = clusterSource(f, "open", "locked", "hot")
	_, err = s.Fetch(context.Background())
	if _, ok := err.(*providers.ThrottledError); !ok {
		t.Fatalf("throttled and refused: %v, want the throttle", err)
	}

	// A server error in one cluster while another answers is that
	// environment's trouble: the endpoint is up.
	f.clusterErr = map[string]error{"flaky": apiErr("ServerException", 500, "")}
	s = clusterSource(f, "open", "flaky")
	sts, err = s.Fetch(context.Background())
	if err != nil || sts[0].Error != "" || sts[1].Error == "" {
		t.Fatalf("one cluster's 5xx: %v %+v", err, sts)
	}
}

// TestSourceNamesAreUnique: every setting that makes two sources differ
// shows in the name, so their health never merges; names stay short.
func TestSourceNamesAreUnique(t *testing.T) {
	cases := []struct {
		o    Options
		want string
	}{
		{Options{}, "aws eu-west-1"},
		{Options{Profile: "prod"}, "aws prod@eu-west-1"},
		{Options{EndpointURL: "http://127.0.0.1:4566"}, "aws eu-west-1 via 127.0.0.1:4566"},
		{Options{EndpointURL: "http://localhost:5000/"}, "aws eu-west-1 via localhost:5000"},
		{Options{EndpointURL: "https://ecs.internal.example"}, "aws eu-west-1 via ecs.internal.example:443"},
		{Options{Profile: "dev", EndpointURL: "http://[::1]:4566"}, "aws dev@eu-west-1 via [::1]:4566"},
		{Options{EndpointURL: "http://127.0.0.1:4566", Anonymous: true}, "aws eu-west-1 via 127.0.0.1:4566 (anonymous)"},
		{Options{EndpointURL: "http://127.0.0.1:4566", Anonymous: true, Credentials: testCreds}, "aws eu-west-1 via 127.0.0.1:4566"},
	}
	for _, c := range cases {
		if got := newSource(newFakeAPI(), "eu-west-1", c.o).Name(); got != c.want {
			t.Errorf("%+v: Name %q, want %q", c.o, got, c.want)
		}
	}

	seen := map[string]string{}
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		for _, profile := range []string{"", "prod"} {
			for _, endpoint := range []string{"", "http://127.0.0.1:4566", "http://127.0.0.1:5000", "http://sim.local", "https://sim.local"} {
				for _, anon := range []bool{false, true} {
					o := Options{Profile: profile, EndpointURL: endpoint, Anonymous: anon}
					name := newSource(newFakeAPI(), region, o).Name()
					id := fmt.Sprintf("%s %q %q anonymous=%v", region, profile, endpoint, anon)
					if prev, dup := seen[name]; dup {
						t.Errorf("%s and %s are both named %q", prev, id, name)
					}
					seen[name] = id
				}
			}
		}
	}

	// Through New, as the commands wire it.
	s, err := New(context.Background(), Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566", Anonymous: true})
	if err != nil || s.Name() != "aws us-east-1 via 127.0.0.1:4566 (anonymous)" {
		t.Fatalf("New: %v %q", err, s.Name())
	}
}
