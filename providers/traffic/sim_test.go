package traffic

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

var key = model.EnvKey{Service: "checkout", Environment: "production"}

// opCounter counts requests by operation: the awsQuery form's Action
// (ELBv2), or the X-Amz-Target (ECS).
type opCounter struct {
	mu     sync.Mutex
	ops    map[string]int
	before func(op string) // called before each request is sent, when set
}

func (c *opCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	if _, cw, ok := strings.Cut(r.URL.Path, "/operation/"); ok {
		op = "cloudwatch:" + cw
	} else if op == "" && r.Body != nil {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(raw))
		form, _ := url.ParseQuery(string(raw))
		op = "elbv2:" + form.Get("Action")
	}
	op = strings.TrimPrefix(op, "AmazonEC2ContainerServiceV20141113.")
	c.mu.Lock()
	if c.ops == nil {
		c.ops = map[string]int{}
	}
	c.ops[op]++
	hook := c.before
	c.mu.Unlock()
	if hook != nil {
		hook(op)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (c *opCounter) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for op, n := range c.ops {
		out = append(out, op+"="+string(rune('0'+n)))
	}
	sort.Strings(out)
	c.ops = nil
	return strings.Join(out, " ")
}

type world struct {
	srv  *simtest.Server
	pair Pair
	cnt  *opCounter
}

func startWorld(t *testing.T) *world {
	srv := simtest.Start(t, t0, sim.Options{Seed: 7})
	srv.Step(time.Minute) // the tasks came up in the pre-roll; the first commit lands at t0+90 s
	listener, blue, green, ok := srv.World.BlueGreen("checkout")
	if !ok {
		t.Fatal("no blue/green checkout in the demo")
	}
	return &world{srv: srv, cnt: &opCounter{}, pair: Pair{Key: key, Cluster: "production", Service: "checkout-blue", Container: "checkout",
		Listener: listener, Blue: blue, Green: green}}
}

func (w *world) source(t *testing.T, pairs ...Pair) *Source {
	if len(pairs) == 0 {
		pairs = []Pair{w.pair}
	}
	s, err := New(context.Background(), Options{Region: "eu-west-1", EndpointURL: w.srv.URL, Anonymous: true, Pairs: pairs,
		HTTPClient: &http.Client{Transport: w.cnt}, Now: w.srv.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fetchOne(t *testing.T, s *Source) model.EnvStatus {
	t.Helper()
	sts, err := s.Fetch(context.Background())
	if err != nil || len(sts) != 1 {
		t.Fatalf("fetch: %v, %+v", err, sts)
	}
	return sts[0]
}

func TestReadSwitchAndBack(t *testing.T) {
	w := startWorld(t)
	s := w.source(t)
	st := fetchOne(t, s)
	bg := st.BlueGreen
	if st.Error != "" || bg == nil || bg.Live != "checkout-blue" || bg.Standby != "checkout-green" || bg.LiveColor != "blue" ||
		bg.LiveWeight != 100 || bg.StandbyWeight != 0 || bg.Blocked != "" || *bg.StandbyTargets != (model.TargetCounts{Healthy: 3}) ||
		*bg.LiveTargets != (model.TargetCounts{Healthy: 3}) || st.Key() != key || st.Version.SHA == "" || bg.StandbyVersion.SHA == "" ||
		bg.StandbyVersion.SHA == st.Version.SHA || st.State != model.StateSteady {
		t.Fatalf("first read: %+v\n%+v", st, bg)
	}
	first := w.cnt.take()
	t.Logf("first poll (colours found): %s", first)
	fetchOne(t, s)
	poll := w.cnt.take()
	t.Logf("next poll: %s", poll)
	if !strings.Contains(poll, "elbv2:DescribeListeners=1") || !strings.Contains(poll, "elbv2:DescribeTargetHealth=2") ||
		strings.Contains(poll, "ListServices") || strings.Count(poll, "elbv2:") != 2 {
		t.Errorf("a poll asked %s; want one DescribeListeners and two DescribeTargetHealth", poll)
	}

	rc, err := s.Switch(context.Background(), key, true)
	if err != nil || rc.Detail != "would send all of listener "+w.pair.Listener+"'s traffic to green (checkout-green)" || len(rc.Calls) != 1 ||
		rc.Calls[0].Operation != "ModifyListener" {
		t.Fatalf("dry run: %+v, %v", rc, err)
	}
	if st := fetchOne(t, s); st.BlueGreen.LiveColor != "blue" {
		t.Fatal("a dry run switched")
	}
	if rc, err = s.Switch(context.Background(), key, false); err != nil || rc.Detail != "green (checkout-green) now takes 100% of the traffic" {
		t.Fatalf("switch: %+v, %v", rc, err)
	}
	after := fetchOne(t, s)
	if after.BlueGreen.LiveColor != "green" || after.BlueGreen.Live != "checkout-green" || after.Version != bg.StandbyVersion ||
		after.BlueGreen.StandbyVersion != st.Version || after.BlueGreen.Blocked != "" {
		t.Fatalf("after the switch: %+v %+v", after, after.BlueGreen)
	}
	if _, err = s.Switch(context.Background(), key, false); err != nil {
		t.Fatalf("switch back: %v", err)
	}
	if back := fetchOne(t, s); back.BlueGreen.LiveColor != "blue" || back.Version != st.Version {
		t.Fatalf("switched back: %+v", back.BlueGreen)
	}
}

// The standby scaled to nothing: draining, then no targets; either way
// the switch is refused, and nothing is sent.
func TestSwitchRefusedWhileStandbyNotHealthy(t *testing.T) {
	w := startWorld(t)
	s := w.source(t)
	fetchOne(t, s)
	client := awsecs.New(awsecs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(w.srv.URL), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", "")})
	if _, err := client.UpdateService(context.Background(), &awsecs.UpdateServiceInput{Cluster: aws.String("production"),
		Service: aws.String("checkout-green"), DesiredCount: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	w.srv.Step(3 * time.Second)
	for _, want := range []string{"draining target(s)", "has no healthy targets"} {
		st := fetchOne(t, s)
		if !strings.Contains(st.BlueGreen.Blocked, want) {
			t.Fatalf("want %q: %+v", want, st.BlueGreen)
		}
		w.cnt.take()
		_, err := s.Switch(context.Background(), key, false)
		var r *model.Refusal
		if !errors.As(err, &r) || !strings.Contains(r.Reason, "the standby (green, checkout-green) ") {
			t.Fatalf("switch while %q: %v", want, err)
		}
		if ops := w.cnt.take(); strings.Contains(ops, "Modify") {
			t.Fatalf("a refused switch sent %s", ops)
		}
		w.srv.Step(30 * time.Second)
	}
	if st := fetchOne(t, s); st.BlueGreen.LiveColor != "blue" {
		t.Fatalf("switched: %+v", st.BlueGreen)
	}
}

// A listener or target group that is not there, or a listener that does
// not forward to the configured pair: the environment says what it found.
func TestBadConfigSaysWhatItFound(t *testing.T) {
	w := startWorld(t)
	gone := w.pair
	gone.Listener = gone.Listener[:len(gone.Listener)-4] + "0000"
	teal := w.pair
	teal.Key.Environment = "teal"
	teal.Green = strings.Replace(teal.Green, "checkout-green/", "checkout-teal/", 1)
	sts, err := w.source(t, gone, teal).Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sts[0].Error, "not found (load balancer checkout-prod has: "+w.pair.Listener+")") || sts[0].BlueGreen != nil {
		t.Errorf("missing listener: %q", sts[0].Error)
	}
	if !strings.Contains(sts[1].Error, "forwards to checkout-blue (100), checkout-green (0), not to both configured target groups (blue checkout-blue, green checkout-teal)") {
		t.Errorf("foreign target group: %q", sts[1].Error)
	}
	if _, err := w.source(t, gone).Switch(context.Background(), key, false); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("switch on a missing listener: %v", err)
	}
}
