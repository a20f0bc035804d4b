package githubactions

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/airside-dev/flightdeck/providers"
)

// hit is one request a recording server got.
type hit struct {
	method, path, auth, cookie string
}

// recorder is an httptest server that keeps every request's method, path
// and credential headers, and answers with handle.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newRecorder(t *testing.T, tls bool, handle http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits = append(r.hits, hit{req.Method, req.URL.Path, req.Header.Get("Authorization"), req.Header.Get("Cookie")})
		r.mu.Unlock()
		handle(w, req)
	})
	if tls {
		r.srv = httptest.NewTLSServer(h)
	} else {
		r.srv = httptest.NewServer(h)
	}
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

func answerCommit(sha string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"sha":"` + sha + `"}`))
	}
}

// A read redirected to another host (as a job's logs are, to a blob host)
// is followed without the token; an action (approve, rerun, cancel)
// redirected to another host is refused, whether the redirect keeps the
// method (307) or not (302). A redirect on the API's own host keeps the
// token.
func TestRedirectToAnotherHost(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		other := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/logs") {
				http.Redirect(w, r, "https://blob.example/log.txt", http.StatusFound)
				return
			}
			answerCommit("elsewhere")(w, r)
		})
		api := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/repos/acme/web/commits/same":
				http.Redirect(w, r, "/repos/acme/web/commits/moved", code)
			case r.URL.Path == "/repos/acme/web/commits/moved":
				answerCommit("moved")(w, r)
			case strings.HasSuffix(r.URL.Path, "/logs"):
				// go-github follows a 301 here itself, not through net/http.
				http.Redirect(w, r, other.srv.URL+r.URL.Path, http.StatusMovedPermanently)
			default:
				http.Redirect(w, r, other.srv.URL+r.URL.Path, code)
			}
		})
		c, err := NewClient(ClientOptions{APIURL: api.srv.URL, Token: NewToken(testToken, "GH_TOKEN"), NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		if rc, err := c.Commit(ctx, "acme/web", "same"); err != nil || rc.GetSHA() != "moved" {
			t.Errorf("%d on the same host: %v %v", code, rc, err)
		}
		if rc, err := c.Commit(ctx, "acme/web", "main"); err != nil || rc.GetSHA() != "elsewhere" {
			t.Errorf("%d, a read elsewhere: %v %v", code, rc, err)
		}
		if u, _, err := c.gh.Actions.GetWorkflowJobLogs(ctx, "acme", "web", 7, 1); err != nil || u.Host != "blob.example" {
			t.Errorf("%d, logs: %v %v", code, u, err)
		}
		for name, act := range map[string]func() (string, error){
			"approve": func() (string, error) { return c.ReviewDeployments(ctx, "acme/web", 1, []int64{2}, "approved", "ok") },
			"rerun":   func() (string, error) { return c.RerunFailed(ctx, "acme/web", 1) },
			"cancel":  func() (string, error) { return c.Cancel(ctx, "acme/web", 1) },
		} {
			_, err := act()
			var re *providers.RedirectError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "POST redirected to "+other.srv.URL+", another host than "+api.srv.URL) {
				t.Errorf("%d, %s: %v", code, name, err)
			}
		}
		for _, h := range api.got() {
			if h.auth != "Bearer "+testToken {
				t.Errorf("%d: %s %s went to the API without the token", code, h.method, h.path)
			}
		}
		hits := other.got()
		if len(hits) != 2 {
			t.Errorf("%d: the other host got %+v, want the commit and the logs", code, hits)
		}
		for _, h := range hits {
			if h.method != http.MethodGet || h.auth != "" || h.cookie != "" {
				t.Errorf("%d: the other host got %+v", code, h)
			}
		}
	}
}

func TestResolveAPIURL(t *testing.T) {
	cases := []struct {
		configured, ghHost, want string
	}{
		{"", "", "https://api.github.com/"},
		{"https://ghe.acme.com/api/v3/", "other.example", "https://ghe.acme.com/api/v3/"}, // github.api_url wins
		{"", "github.com", "https://api.github.com/"},
		{"", "ghe.acme.com", "https://ghe.acme.com/api/v3/"},
		{"", " GHE.Acme.com ", "https://ghe.acme.com/api/v3/"},
		{"", "ghe.acme.com:8443", "https://ghe.acme.com:8443/api/v3/"},
		{"", "acme.ghe.com", "https://api.acme.ghe.com/"},
		{"", "api.acme.ghe.com", "https://api.acme.ghe.com/"},
		{"", "github.localhost", "http://api.github.localhost/"},
	}
	for _, c := range cases {
		got, err := ResolveAPIURL(c.configured, envOf(map[string]string{"GH_HOST": c.ghHost}))
		if err != nil || got != c.want {
			t.Errorf("%q, GH_HOST %q: %q, %v; want %q", c.configured, c.ghHost, got, err, c.want)
		}
	}
	for _, bad := range []string{"https://ghe.acme.com", "ghe.acme.com/api/v3", "a b", "me@ghe.acme.com", "ghe.acme.com?x"} {
		if got, err := ResolveAPIURL("", envOf(map[string]string{"GH_HOST": bad})); err == nil || !strings.Contains(err.Error(), "GH_HOST") {
			t.Errorf("GH_HOST %q: %q, %v", bad, got, err)
		}
	}
	// The host of the API URL for a host is that host.
	for _, h := range []string{"github.com", "ghe.acme.com", "acme.ghe.com", "ghe.acme.com:8443", "github.localhost"} {
		if got := Host(APIURLFor(h)); got != h {
			t.Errorf("Host(APIURLFor(%q)) = %q", h, got)
		}
	}
}

// Each token belongs to the host it was looked up for, as gh names it.
func TestLookupTokenBindsHost(t *testing.T) {
	env := envOf(map[string]string{"GH_TOKEN": "dotcom", "GH_ENTERPRISE_TOKEN": "server"})
	for host, want := range map[string]struct{ val, host string }{
		"github.com":        {"dotcom", "github.com"},
		"garage.github.com": {"dotcom", "github.com"},
		"acme.ghe.com":      {"dotcom", "acme.ghe.com"},
		"ghe.acme.com":      {"server", "ghe.acme.com"},
		"GHE.acme.com:8443": {"server", "ghe.acme.com:8443"},
		"github.localhost":  {"dotcom", "github.localhost"},
	} {
		tok, err := LookupToken(ctx, host, env, nil)
		if err != nil || tok.reveal() != want.val || tok.Host() != want.host {
			t.Errorf("%s: %q for %q, %v; want %q for %q", host, tok.reveal(), tok.Host(), err, want.val, want.host)
		}
	}
}

// A token for one host is never sent to another: every call says so,
// naming both hosts, and nothing leaves.
func TestClientRefusesTokenForAnotherHost(t *testing.T) {
	api := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request) { t.Errorf("sent %s %s", r.Method, r.URL.Path) })
	tok, err := LookupToken(ctx, "github.com", envOf(map[string]string{"GH_TOKEN": testToken}), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{APIURL: api.srv.URL + "/api/v3/", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	host := Host(api.srv.URL)
	want := "GitHub: the token from GH_TOKEN is for github.com, not for " + host + ", so it is not sent; set GH_ENTERPRISE_TOKEN"
	for name, call := range map[string]func() error{
		"read": func() error { _, err := c.Commit(ctx, "acme/web", "main"); return err },
		"approve": func() error {
			_, err := c.ReviewDeployments(ctx, "acme/web", 1, []int64{2}, "approved", "")
			return err
		},
	} {
		err := call()
		if !errors.Is(err, providers.ErrAuth) || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// End to end: GH_HOST names an Enterprise Server; flightdeck reads its API
// at https://HOST/api/v3/ with GH_ENTERPRISE_TOKEN, not GH_TOKEN, and the
// server token goes to that server only, not to the host a read is
// redirected to.
func TestServerTokenGoesToTheServerOnly(t *testing.T) {
	other := newRecorder(t, false, answerCommit("elsewhere"))
	server := newRecorder(t, true, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v3/repos/acme/web/commits/main":
			answerCommit("main")(w, r)
		default:
			http.Redirect(w, r, other.srv.URL+r.URL.Path, http.StatusFound)
		}
	})
	ghHost := strings.TrimPrefix(server.srv.URL, "https://")
	env := envOf(map[string]string{"GH_HOST": ghHost, "GH_TOKEN": "dotcom-token", "GH_ENTERPRISE_TOKEN": "server-token"})
	apiURL, err := ResolveAPIURL("", env)
	if err != nil || apiURL != server.srv.URL+"/api/v3/" {
		t.Fatalf("%q, %v", apiURL, err)
	}
	tok, err := LookupToken(ctx, Host(apiURL), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{APIURL: apiURL, Token: tok, HTTPClient: server.srv.Client(), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"main", "moved"} {
		if _, err := c.Commit(ctx, "acme/web", ref); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
	for _, h := range server.got() {
		if h.auth != "Bearer server-token" {
			t.Errorf("the server got %+v", h)
		}
	}
	for _, h := range other.got() {
		if h.auth != "" {
			t.Errorf("the other host got %+v", h)
		}
	}
	if len(server.got()) != 2 || len(other.got()) != 1 {
		t.Errorf("server %+v, other %+v", server.got(), other.got())
	}
}
