package circleci

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/airside-dev/flightdeck/providers"
)

// recorder is an httptest server that keeps the credential headers of
// every request it gets and answers with handle.
type recorder struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen []http.Header
}

func newRecorder(t *testing.T, handle http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen = append(r.seen, http.Header{
			"Circle-Token":  req.Header.Values("Circle-Token"),
			"Authorization": req.Header.Values("Authorization"),
			"Cookie":        req.Header.Values("Cookie"),
		})
		r.mu.Unlock()
		handle(w, req)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) requests() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.seen...)
}

// A redirect to another host is refused, for reads and for actions alike,
// with or without the method kept (302, 307): the other host sees nothing,
// let alone the token. A redirect on the same host is followed, token and
// all.
func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) })
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/api/v2/me":
				http.Redirect(w, r, "/api/v2/me/again", code)
			case "/api/v2/me/again":
				writeJSON(w, 200, map[string]any{"id": "u1", "login": "ana", "name": "Ana"})
			default:
				http.Redirect(w, r, other.srv.URL+r.URL.Path, code)
			}
		})
		c, err := NewClient(ClientOptions{Host: api.srv.URL, Token: NewToken(testToken, "CIRCLECI_TOKEN")})
		if err != nil {
			t.Fatal(err)
		}
		if u, err := c.Me(ctx); err != nil || u.Login != "ana" {
			t.Errorf("%d on the same host: %+v, %v", code, u, err)
		}
		for name, call := range map[string]func() error{
			"GET jobs": func() error { _, err := c.Jobs(ctx, "wf"); return err },
			"POST approve": func() error {
				_, err := c.Approve(ctx, "wf", "req")
				return err
			},
			"POST rerun": func() error { _, _, err := c.RerunFailed(ctx, "wf"); return err },
		} {
			err := call()
			var re *providers.RedirectError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "another host than "+api.srv.URL) {
				t.Errorf("%d, %s: %v", code, name, err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("%d, %s: the error shows the token", code, name)
			}
		}
		for i, h := range api.requests() {
			if h.Get("Circle-Token") != testToken {
				t.Errorf("%d: API request %d went without the token", code, i)
			}
		}
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// HostAuth is what keeps the token home on every hop, whatever the
// redirect policy: with net/http following everything, the other host
// still sees no credential header, for GET and POST.
func TestHostAuthStripsEveryHopElsewhere(t *testing.T) {
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) })
	api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	tok := NewToken(testToken, "CIRCLECI_TOKEN")
	hc := &http.Client{Transport: &providers.HostAuth{
		Origin: providers.OriginOf(api.srv.URL),
		Set:    func(h http.Header) { h.Set("Circle-Token", tok.value()) },
	}}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequestWithContext(ctx, method, api.srv.URL+"/api/v2/x", strings.NewReader("{}"))
		req.Header.Set("Cookie", "session=1")
		req.Header.Set("Authorization", "Bearer stray")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if len(other.requests()) != 2 {
		t.Fatalf("the other host got %d requests, want 2", len(other.requests()))
	}
	for i, h := range other.requests() {
		if h.Get("Circle-Token") != "" || h.Get("Authorization") != "" || h.Get("Cookie") != "" {
			t.Errorf("request %d to the other host carried %v", i, h)
		}
	}
	for i, h := range api.requests() {
		if h.Get("Circle-Token") != testToken || h.Get("Authorization") != "" || h.Get("Cookie") != "" {
			t.Errorf("request %d to the API carried %v", i, h)
		}
	}
}

// Host and token resolution as the circleci CLI does it, with flightdeck's
// own circleci.host first.
func TestLookupTokenHosts(t *testing.T) {
	const (
		cloud  = "https://circleci.com"
		server = "https://ci.acme.example"
	)
	serverFile := "host: " + server + "/\ntoken: from-file\n"
	cases := []struct {
		name       string
		configured string
		env        map[string]string
		file       string // cli.yml; "" for none
		host       string // resolved
		val, from  string // token found for it; "" for none
		tokenHost  string // where the token returned belongs
		wrongHost  bool   // a token, but for another host
	}{
		{name: "nothing", host: cloud},
		{name: "flightdeck's own variable", env: map[string]string{"CIRCLECI_TOKEN": "tok-a"}, host: cloud, val: "tok-a", from: "CIRCLECI_TOKEN", tokenHost: cloud},
		{name: "flightdeck's own variable goes with circleci.host", configured: server, env: map[string]string{"CIRCLECI_TOKEN": "tok-a"}, host: server, val: "tok-a", from: "CIRCLECI_TOKEN", tokenHost: server},
		{name: "cli.yml's host and token", file: serverFile, host: server, val: "from-file", from: cliConfig, tokenHost: server},
		{name: "cli.yml's token is not for circleci.host elsewhere", configured: cloud, file: serverFile, host: cloud, val: "from-file", from: cliConfig, tokenHost: server, wrongHost: true},
		{name: "CIRCLECI_CLI_HOST and CIRCLECI_CLI_TOKEN", env: map[string]string{"CIRCLECI_CLI_HOST": server, "CIRCLECI_CLI_TOKEN": "tok-b"}, host: server, val: "tok-b", from: "CIRCLECI_CLI_TOKEN", tokenHost: server},
		{name: "CIRCLECI_CLI_HOST overrides cli.yml's host", env: map[string]string{"CIRCLECI_CLI_HOST": cloud, "CIRCLECI_CLI_TOKEN": "tok-b"}, file: serverFile, host: cloud, val: "tok-b", from: "CIRCLECI_CLI_TOKEN", tokenHost: cloud},
		{name: "CIRCLE_TOKEN is for the CLI's host", env: map[string]string{"CIRCLE_TOKEN": "tok-c"}, file: "host: " + server + "\n", host: server, val: "tok-c", from: "CIRCLE_TOKEN", tokenHost: server},
		{name: "CIRCLE_TOKEN is not for a server the CLI does not name", configured: server, env: map[string]string{"CIRCLE_TOKEN": "tok-c"}, host: server, val: "tok-c", from: "CIRCLE_TOKEN", tokenHost: cloud, wrongHost: true},
		{name: "a token for another host is passed over", configured: server, env: map[string]string{"CIRCLECI_CLI_HOST": cloud, "CIRCLECI_CLI_TOKEN": "tok-b"}, file: serverFile, host: server, val: "from-file", from: cliConfig, tokenHost: server},
		{name: "cli.yml's token stays with cli.yml's host", env: map[string]string{"CIRCLECI_CLI_HOST": cloud}, file: serverFile, host: cloud, val: "from-file", from: cliConfig, tokenHost: server, wrongHost: true},
		{name: "cli.yml without host: is circleci.com's", env: map[string]string{"CIRCLECI_CLI_HOST": server}, file: "token: tok-t\n", host: server, val: "tok-t", from: cliConfig, tokenHost: cloud, wrongHost: true},
		{name: "hosts compare by origin", configured: "https://CI.acme.example:443", file: serverFile, host: "https://CI.acme.example:443", val: "from-file", from: cliConfig, tokenHost: server},
		{name: "another port is another host", configured: server + ":8443", env: map[string]string{"CIRCLECI_CLI_TOKEN": "tok-b", "CIRCLECI_CLI_HOST": server}, host: server + ":8443", val: "tok-b", from: "CIRCLECI_CLI_TOKEN", tokenHost: server, wrongHost: true},
		{name: "a broken cli.yml does not stop a token found without it", configured: server, env: map[string]string{"CIRCLECI_TOKEN": "tok-a"}, file: "token: [\n", host: server, val: "tok-a", from: "CIRCLECI_TOKEN", tokenHost: server},
	}
	for _, tc := range cases {
		home := t.TempDir()
		if tc.file != "" {
			home = writeCLIConfig(t, tc.file)
		}
		host, tok, err := LookupToken(tc.configured, envOf(tc.env), home)
		if host != tc.host || tok.value() != tc.val || tok.Source() != tc.from || tok.Host() != tc.tokenHost {
			t.Errorf("%s: host %q, %q from %q for %q; want %q, %q from %q for %q", tc.name, host, tok.value(), tok.Source(), tok.Host(), tc.host, tc.val, tc.from, tc.tokenHost)
		}
		var wh *wrongHostError
		switch {
		case tc.wrongHost:
			if !errors.As(err, &wh) || !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), tc.tokenHost) ||
				!strings.Contains(err.Error(), providers.OriginOf(tc.host)) || strings.Contains(err.Error(), tc.val) {
				t.Errorf("%s: %v", tc.name, err)
			}
		case tc.val == "":
			if !errors.Is(err, errNoToken) {
				t.Errorf("%s: %v", tc.name, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestLookupTokenBadHosts(t *testing.T) {
	if host, _, err := LookupToken("", envOf(map[string]string{"CIRCLECI_CLI_HOST": "circleci.acme.example", "CIRCLECI_TOKEN": "a"}), ""); host != "" || err == nil ||
		!strings.Contains(err.Error(), `the host "circleci.acme.example" from CIRCLECI_CLI_HOST is not an http(s) URL`) {
		t.Errorf("bad CIRCLECI_CLI_HOST: %q, %v", host, err)
	}
	// A cli.yml that does not parse may name the host: without
	// circleci.host there is no telling where to go.
	home := writeCLIConfig(t, "host: [\n")
	if host, _, err := LookupToken("", envOf(map[string]string{"CIRCLECI_TOKEN": "a"}), home); host != "" || err == nil || !strings.Contains(err.Error(), "cli.yml is not valid YAML") {
		t.Errorf("broken cli.yml: %q, %v", host, err)
	}
}

// The client never sends a token to a host it does not belong to: every
// call answers why, naming both hosts, and nothing leaves.
func TestClientRefusesTokenForAnotherHost(t *testing.T) {
	api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("sent %s %s", r.Method, r.URL.Path) })
	tok := bound("s3cr3t-server-token", cliConfig, "https://ci.acme.example")
	s, err := New(Options{Host: api.srv.URL, Token: tok, Services: []Service{apiService}})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := s.Fetch(ctx)
	want := "CircleCI: the token from ~/.circleci/cli.yml is for https://ci.acme.example, not for " + api.srv.URL + ", so it is not sent"
	if !errors.Is(err, providers.ErrAuth) || len(sts) != 1 || !strings.HasPrefix(sts[0].Error, want) || strings.Contains(sts[0].Error, "s3cr3t") {
		t.Errorf("%+v, %v", sts, err)
	}
	if _, err := s.client.Approve(ctx, "wf", "req"); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("approve: %v", err)
	}
}

// End to end: a CircleCI server's token, set up with `circleci setup` in
// cli.yml, goes to that server and nowhere else; with circleci.host naming
// another host it goes nowhere at all.
func TestServerTokenGoesToTheServerOnly(t *testing.T) {
	const serverToken = "s3cr3t-server-token"
	me := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "u1", "login": "ana", "name": "Ana"})
	}
	server := newRecorder(t, me)
	cloud := newRecorder(t, me) // stands for circleci.com
	home := writeCLIConfig(t, "host: "+server.srv.URL+"\ntoken: "+serverToken+"\n")
	env := envOf(map[string]string{"CIRCLECI_CLI_HOST": ""})

	for _, configured := range []string{"", server.srv.URL, cloud.srv.URL} {
		host, tok, _ := LookupToken(configured, env, home)
		c, err := NewClient(ClientOptions{Host: host, Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Me(ctx)
		if (configured == cloud.srv.URL) != (err != nil) {
			t.Errorf("circleci.host %q: %v", configured, err)
		}
	}
	if n := len(cloud.requests()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	got := server.requests()
	if len(got) != 2 {
		t.Fatalf("the server got %d requests, want 2", len(got))
	}
	for _, h := range got {
		if h.Get("Circle-Token") != serverToken {
			t.Errorf("the server got %v", h)
		}
	}
}
