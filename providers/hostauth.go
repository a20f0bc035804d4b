package providers

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Origin is what a credential is bound to: scheme://host[:port] of an
// http(s) URL, lower-cased, without the scheme's default port. It is ""
// for anything else.
func Origin(u *url.URL) string {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"): // IPv6
		host = "[" + host + "]"
	}
	return scheme + "://" + host
}

// OriginOf is the Origin of a URL given as text ("" if it is not an
// http(s) URL).
func OriginOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return Origin(u)
}

// credentialHeaders are the request headers that carry a credential.
var credentialHeaders = []string{"Authorization", "Circle-Token", "Cookie"}

// HostAuth is the one place a client puts its credential on a request. It
// is an http.RoundTripper, so it runs for every hop of a redirect (net/http
// calls the transport once a hop, and go-github's own redirect following
// calls it directly): a request to Origin gets the credential from Set; a
// request anywhere else leaves without any credential header at all.
//
// net/http alone does not do this: on a redirect to another domain it
// drops Authorization and Cookie but copies a custom header such as
// Circle-Token, and an authenticating transport (go-github's
// WithAuthToken) adds its header again on every hop, whatever the host.
type HostAuth struct {
	// Origin is where the credential belongs (see Origin); "" sends it
	// nowhere.
	Origin string
	// Set puts the credential on a request bound for Origin.
	Set func(http.Header)
	// Next sends the request; nil means http.DefaultTransport.
	Next http.RoundTripper
}

// RoundTrip sends req with the credential only if it is bound for Origin.
func (t *HostAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	for _, h := range credentialHeaders {
		req.Header.Del(h)
	}
	if t.Origin != "" && t.Set != nil && Origin(req.URL) == t.Origin {
		t.Set(req.Header)
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// maxRedirects is net/http's own limit, which a CheckRedirect replaces.
const maxRedirects = 10

// RedirectError is a redirect to another host that a client would not
// follow.
type RedirectError struct {
	Method   string
	From, To string // origins
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s redirected to %s, another host than %s: not followed", e.Method, e.To, e.From)
}

// CheckRedirect is an http.Client CheckRedirect for API clients: it stops
// after 10 redirects as net/http does, and refuses a redirect to another
// origin than the first request's with a *RedirectError, unless followGET
// is set and the first request was a GET or HEAD: such a read (a log
// download that GitHub sends to a blob host) is followed, and HostAuth
// sends it there without the credential. An action (POST…) is never
// replayed at another host.
func CheckRedirect(followGET bool) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if len(via) == 0 {
			return nil
		}
		first := via[0]
		from, to := Origin(first.URL), Origin(req.URL)
		if from == to {
			return nil
		}
		if followGET && (first.Method == http.MethodGet || first.Method == http.MethodHead) {
			return nil
		}
		return &RedirectError{Method: first.Method, From: from, To: to}
	}
}
