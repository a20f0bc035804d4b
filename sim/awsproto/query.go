package awsproto

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
)

// awsQuery (Elastic Beanstalk 2010-12-01, ELBv2 2015-12-01): form POST with
// Action and Version, XML answers <OpResponse><OpResult>…</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>, errors as
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.

// IsQuery says whether r looks like an awsQuery request: an Action in the
// URL, or a form POST (whose Action is in the body).
func IsQuery(r *http.Request) bool {
	if r.URL.Query().Get("Action") != "" {
		return true
	}
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// QueryError is the body of an awsQuery error, for writing and for tests
// that read one.
type QueryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	XMLNS   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// WriteQueryError writes an awsQuery error in the service's namespace
// (xmlns, may be ""); the SDK reads Code, Message and RequestId from it.
// typ is "Sender" or "Receiver".
func WriteQueryError(rw http.ResponseWriter, xmlns string, status int, typ, code, msg string) {
	var e QueryError
	e.XMLNS = xmlns
	e.Error.Type, e.Error.Code, e.Error.Message = typ, code, msg
	e.RequestID = RequestID(rw)
	b, _ := xml.Marshal(e)
	rw.Header().Set("Content-Type", "text/xml")
	rw.WriteHeader(status)
	rw.Write([]byte(xml.Header))
	rw.Write(b)
}

// WriteQueryFault answers an injected fault (a 5xx, a throttle, a
// denial of action) as an awsQuery service in namespace xmlns does.
func WriteQueryFault(rw http.ResponseWriter, xmlns, action string, kind faultkind.Kind) {
	switch kind {
	case faultkind.ServerError:
		WriteQueryError(rw, xmlns, 500, "Receiver", "InternalFailure", "The request processing has failed because of an unknown error (injected by the flightdeck sim).")
	case faultkind.Throttle:
		WriteQueryError(rw, xmlns, 400, "Sender", "Throttling", "Rate exceeded")
	case faultkind.Deny:
		WriteQueryError(rw, xmlns, 403, "Sender", "AccessDenied", "User is not authorized to perform: "+action)
	}
}

// WriteQueryErr writes an *Error as an awsQuery service in namespace
// xmlns answers it: Sender for a 4xx, Receiver for a 5xx.
func WriteQueryErr(rw http.ResponseWriter, xmlns string, e *Error) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	WriteQueryError(rw, xmlns, e.Status, typ, e.Code, e.Message)
}

// WriteQueryResult writes an awsQuery answer:
// <ActionResponse xmlns>res<ResponseMetadata><RequestId/></ResponseMetadata>
// </ActionResponse>, where res marshals as the <ActionResult> element
// (nil: an answer with no result, as SwapEnvironmentCNAMEs has).
func WriteQueryResult(rw http.ResponseWriter, xmlns, action string, res any) {
	var inner []byte
	if res != nil {
		b, err := xml.Marshal(res)
		if err != nil {
			WriteQueryErr(rw, xmlns, NewError(500, "InternalFailure", "the sim could not write its answer: "+err.Error()))
			return
		}
		inner = b
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, xmlns)
	b.Write(inner)
	b.WriteString("<ResponseMetadata><RequestId>")
	_ = xml.EscapeText(&b, []byte(RequestID(rw)))
	b.WriteString("</RequestId></ResponseMetadata>")
	fmt.Fprintf(&b, "</%sResponse>", action)
	rw.Header().Set("Content-Type", "text/xml")
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write([]byte(b.String()))
}

// Clip cuts a client's value to 100 bytes for an error message.
func Clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}
