package sim

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

type captureRT struct{ body io.ReadCloser }

func (c *captureRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.body = r.Body
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

// writerToBody is what smithy-go hands net/http: a body with WriteTo.
type writerToBody struct{ *strings.Reader }

func (writerToBody) Close() error { return nil }

func TestHTTPClientHidesWriterTo(t *testing.T) {
	capture := &captureRT{}
	c := &http.Client{Transport: plainBodyTransport{base: capture}}
	body := writerToBody{strings.NewReader(`{"cluster":"c1"}`)}
	req, _ := http.NewRequest(http.MethodPost, "http://sim.invalid/", body)
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	if _, ok := capture.body.(io.WriterTo); ok {
		t.Fatal("the request body still offers WriteTo to net/http")
	}
	if req.Body != io.ReadCloser(body) {
		t.Fatal("the caller's request was modified")
	}
	if b, _ := io.ReadAll(capture.body); string(b) != `{"cluster":"c1"}` {
		t.Fatalf("body %q", b)
	}
}
