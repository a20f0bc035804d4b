package config

import "testing"

func TestEffectiveAWS(t *testing.T) {
	global := AWS{Region: "us-east-1", Profile: "default", EndpointURL: "http://127.0.0.1:4566"}
	tests := []struct {
		name     string
		override *AWS
		want     AWS
	}{
		{"no override inherits everything", nil, global},
		{"empty override inherits everything", &AWS{}, global},
		{"region and profile override", &AWS{Region: "eu-west-1", Profile: "prod"},
			AWS{Region: "eu-west-1", Profile: "prod", EndpointURL: "http://127.0.0.1:4566"}},
		{"endpoint override", &AWS{EndpointURL: "http://localhost:5000"},
			AWS{Region: "us-east-1", Profile: "default", EndpointURL: "http://localhost:5000"}},
		{"anonymous switched on", &AWS{Anonymous: true},
			AWS{Region: "us-east-1", Profile: "default", EndpointURL: "http://127.0.0.1:4566", Anonymous: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Environment{Name: "x", AWS: tt.override}
			if got := e.EffectiveAWS(global); got != tt.want {
				t.Errorf("EffectiveAWS = %+v, want %+v", got, tt.want)
			}
		})
	}
	// Anonymous set globally stays on: false in YAML cannot be told from absent.
	if got := (Environment{AWS: &AWS{Region: "x"}}).EffectiveAWS(AWS{Anonymous: true}); !got.Anonymous {
		t.Errorf("global anonymous lost: %+v", got)
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		env  Environment
		want string
	}{
		{Environment{ECS: &ECS{}}, TargetECS},
		{Environment{Beanstalk: &Beanstalk{}}, TargetBeanstalk},
		{Environment{}, ""},
		{Environment{ECS: &ECS{}, Beanstalk: &Beanstalk{}}, ""},
	}
	for _, tt := range tests {
		if got := tt.env.Target(); got != tt.want {
			t.Errorf("Target(%+v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestLookups(t *testing.T) {
	cfg := &Config{Services: []Service{
		{Name: "api", Environments: []Environment{{Name: "staging"}, {Name: "production"}}},
		{Name: "web"},
	}}
	s, ok := cfg.Service("api")
	if !ok || s.Name != "api" {
		t.Fatalf("Service(api) = %v, %v", s, ok)
	}
	if e, ok := s.Environment("production"); !ok || e.Name != "production" {
		t.Errorf("Environment(production) = %v, %v", e, ok)
	}
	if _, ok := s.Environment("qa"); ok {
		t.Errorf("found an environment that does not exist")
	}
	if _, ok := cfg.Service("db"); ok {
		t.Errorf("found a service that does not exist")
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"cluster", "service", "container", "endpoint_url", "blue_green"}
	tests := map[string]string{
		"clustr":      "cluster",
		"servcie":     "service",
		"Cluster":     "cluster",
		"endpointURL": "endpoint_url",
		"blue-green":  "blue_green",
		"colour":      "",
		"x":           "",
	}
	for got, want := range tests {
		if s := suggest(got, keys); s != want {
			t.Errorf("suggest(%q) = %q, want %q", got, s, want)
		}
	}
}
