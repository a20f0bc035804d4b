package discover

import (
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
)

// FuzzGroupRender: whatever names AWS answers with, the config written
// either leaves the target out or reads back, through package config, to
// the very names it was given.
func FuzzGroupRender(f *testing.F) {
	for _, s := range [][3]string{
		{"staging", "api", "shop-prod"}, {"prod\x1b[2J", "api", "x"}, {"a: b", "#c-prod", "- d"},
		{"\u202e", "yes", "null"}, {"prod-eu", "api\xff", "shop-blue"}, {"", "", ""}, {"~", "'q'", `"dq\"`},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, cluster, service, beanstalkEnv string) {
		ts := []Target{
			{Kind: ECS, Region: "us-east-1", Cluster: cluster, Service: service},
			{Kind: ECS, Region: "us-east-1", Cluster: "staging", Service: service},
			{Kind: Beanstalk, Region: "us-east-1", Application: "app", Environment: beanstalkEnv, CNAME: beanstalkEnv + ".elasticbeanstalk.com"},
		}
		services, rejected := Group(ts)
		n := len(rejected)
		for _, s := range services {
			n += len(s.Environments)
			if s.Name == "" {
				t.Fatalf("a service with no name from %+v", ts)
			}
		}
		if n != len(ts) {
			t.Fatalf("%d placed or rejected of %d", n, len(ts))
		}
		if len(services) == 0 {
			return
		}
		out := Render(services, Header{Regions: []string{"us-east-1"}, Now: time.Unix(0, 0), Rejected: rejected})
		cfg, err := config.Parse(out, "fuzz.yaml")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for i, s := range services {
			if cfg.Services[i].Name != s.Name {
				t.Fatalf("service %q read back as %q", s.Name, cfg.Services[i].Name)
			}
			for j, e := range s.Environments {
				ge := cfg.Services[i].Environments[j]
				if ge.Name != e.Name {
					t.Fatalf("environment %q read back as %q", e.Name, ge.Name)
				}
				if ge.ECS != nil && (ge.ECS.Cluster != e.Target.Cluster || ge.ECS.Service != e.Target.Service) ||
					ge.Beanstalk != nil && ge.Beanstalk.Environment != e.Target.Environment {
					t.Fatalf("target %+v read back as %+v / %+v", e.Target, ge.ECS, ge.Beanstalk)
				}
			}
		}
	})
}

// FuzzScalar: any name that prints as itself, written by scalar, reads
// back as itself.
func FuzzScalar(f *testing.F) {
	for _, s := range []string{"api", "a:", "a: b", "http://x:80/", "- x", "? x", "!tag", "&a", "*a", "|", ">", "%x", "@x", "`x`", "'x'", `"x"`, "x #y", "yes", "1e3", "0x1F", ".inf", "~", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if badText(s) != "" || strings.TrimSpace(s) == "" {
			return
		}
		out := []byte("services:\n  - name: " + scalar(s) + "\n    environments:\n      - name: e\n        ecs: {cluster: c, service: s}\n")
		cfg, err := config.Parse(out, "x.yaml")
		if err != nil {
			t.Fatalf("scalar(%q) = %s: %v", s, scalar(s), err)
		}
		if cfg.Services[0].Name != s {
			t.Fatalf("scalar(%q) = %s reads back as %q", s, scalar(s), cfg.Services[0].Name)
		}
	})
}
