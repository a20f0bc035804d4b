package awsx

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// BodyWithoutWriteTo wraps the SDK's HTTP client so that request bodies
// reach net/http as plain readers.
//
// Why: smithy-go closes a request body once the response headers arrive,
// after which the body's WriteTo returns io.EOF; net/http's final drain of
// a body it has sent takes that as a write error and closes the connection
// under the response being read ("use of closed network connection",
// aws-sdk-go-v2 #2737). A fast endpoint (the in-process demo world, a local
// emulator) answers inside that window. Reads are retried by the SDK, but
// our mutating calls are sent once and must not fail after the service has
// acted. Hiding WriteTo avoids the race without changing the client's
// transport settings (proxies, AWS_CA_BUNDLE).
type BodyWithoutWriteTo struct{ Inner aws.HTTPClient }

func (c BodyWithoutWriteTo) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r = r.Clone(r.Context()) // the caller's request stays as it was
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return c.Inner.Do(r)
}
