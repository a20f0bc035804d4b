package sim

import (
	"io"
	"net/http"
)

// HTTPClient returns an http.Client for AWS SDK clients that talk to the
// sim (set it as the service client's Options.HTTPClient), most useful with
// aws.NopRetryer in tests.
//
// Why: smithy-go closes a request body as soon as the response headers
// arrive, and its body's WriteTo then returns io.EOF. net/http's final
// io.Copy(io.Discard, body) after the body has been sent takes that EOF as
// a write error and closes the connection, so the response being read fails
// with "use of closed network connection". Only a server as quick as an
// in-process loopback answers inside that window; the SDK's default retryer
// retries it (aws-sdk-go-v2 #2737), NopRetryer does not. Hiding WriteTo
// from net/http sidesteps the race.
func HTTPClient() *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Transport: plainBodyTransport{base: base}}
}

type plainBodyTransport struct{ base http.RoundTripper }

func (t plainBodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r2 := r.Clone(r.Context()) // a RoundTripper must not modify its request
		r2.Body = struct{ io.ReadCloser }{r.Body}
		r = r2
	}
	return t.base.RoundTrip(r)
}
