package providers

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://circleci.com":             "https://circleci.com",
		"HTTPS://CircleCI.com:443/api/v2/": "https://circleci.com",
		"http://127.0.0.1:80/x":            "http://127.0.0.1",
		"http://127.0.0.1:8080/":           "http://127.0.0.1:8080",
		"https://ci.acme.example:80":       "https://ci.acme.example:80",
		"http://[::1]:9/x":                 "http://[::1]:9",
		"http://[::1]/":                    "http://[::1]",
		"ftp://circleci.com":               "",
		"circleci.com":                     "",
		"":                                 "",
	} {
		if got := OriginOf(in); got != want {
			t.Errorf("OriginOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckRedirect(t *testing.T) {
	req := func(method, raw string) *http.Request {
		u, _ := url.Parse(raw)
		return &http.Request{Method: method, URL: u}
	}
	api := "https://api.github.com/repos/a/b/actions/jobs/1/logs"
	blob := "https://blob.example/log?sig=x"
	cases := []struct {
		follow bool
		first  *http.Request
		next   string
		ok     bool
	}{
		{false, req("GET", api), "https://api.github.com/other", true},
		{false, req("GET", api), blob, false},
		{false, req("GET", api), "http://api.github.com/other", false}, // scheme downgrade: another origin
		{true, req("GET", api), blob, true},
		{true, req("HEAD", api), blob, true},
		{true, req("POST", api), blob, false},
		{true, req("POST", api), "https://api.github.com/x", true},
	}
	for _, c := range cases {
		err := CheckRedirect(c.follow)(req(c.first.Method, c.next), []*http.Request{c.first})
		var re *RedirectError
		if (err == nil) != c.ok || (err != nil && !errors.As(err, &re)) {
			t.Errorf("follow %v, %s %s → %s: %v", c.follow, c.first.Method, c.first.URL, c.next, err)
		}
	}
	via := make([]*http.Request, maxRedirects)
	for i := range via {
		via[i] = req("GET", api)
	}
	if err := CheckRedirect(true)(req("GET", api), via); err == nil {
		t.Error("the 11th redirect was followed")
	}
}
