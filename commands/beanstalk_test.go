package commands

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusReadsBeanstalk: a beanstalk environment is read by the
// Beanstalk provider (no longer "not read yet"), its version and health in
// status --json; one that does not exist says so on its own cell, naming
// the environments that do, and status exits 1 for it.
func TestStatusReadsBeanstalk(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "text/xml")
		op := r.PostForm.Get("Action")
		result := ""
		if op == "DescribeEnvironments" {
			result = `<Environments><member><ApplicationName>web</ApplicationName><EnvironmentName>web-staging</EnvironmentName>` +
				`<EnvironmentId>e-1</EnvironmentId><VersionLabel>web-3f2a1c9-250520</VersionLabel><Status>Ready</Status><Health>Red</Health>` +
				`</member></Environments>`
		}
		_, _ = w.Write([]byte(`<` + op + `Response xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><` + op + `Result>` + result +
			`</` + op + `Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></` + op + `Response>`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTESTQWERTYZXCV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "zzq-secret-k7w9p2m4x")
	path := filepath.Join(t.TempDir(), "eb.yaml")
	cfg := `aws: { region: us-east-1, endpoint_url: ` + srv.URL + ` }
services:
  - name: web
    environments:
      - name: staging
        beanstalk: { application: web, environment: web-staging }
      - name: production
        beanstalk: { application: web, environment: web-prod, sha_pattern: "commit ([0-9a-f]{7,40})" }
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "--config", path, "status", "--json", "--timeout", "5s")
	if code != exitUsage || !strings.Contains(stderr, "the config names what does not exist for web/production") {
		t.Fatalf("exit %d, want 2 for the missing environment (a config mistake)\n%s\n%s", code, out, stderr)
	}
	var got struct {
		Services []struct {
			Environments []struct {
				Name, Target, State, Error, Unsupported string
				Missing                                 bool
				Version                                 struct{ SHA, Revision string }
				Health                                  *struct{ Color string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	envs := got.Services[0].Environments
	stg, prod := envs[0], envs[1]
	if stg.Target != "beanstalk" || stg.Unsupported != "" || stg.Error != "" || stg.State != "steady" || stg.Version.SHA != "3f2a1c9" ||
		stg.Version.Revision != "web-3f2a1c9-250520" || stg.Health == nil || stg.Health.Color != "Red" {
		t.Errorf("staging: %+v", stg)
	}
	if !strings.Contains(prod.Error, "web-prod not found in application web (it has: web-staging)") || !prod.Missing || stg.Missing {
		t.Errorf("production: %+v", prod)
	}
}
