// Package awsproto holds the envelopes the AWS services speak, apart from
// any one service: awsJson 1.1 (ECS), awsQuery (Elastic Beanstalk, ELBv2)
// and Smithy RPC v2 CBOR (CloudWatch). Each simulated AWS service writes
// its answers and errors through it, so a new one brings its operations
// and nothing of the wire.
//
// Everything here reads outside input defensively: a body that is not
// what it should be is a client error, never a panic.
package awsproto

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
)

// requestIDHeader is spelled as the AWS SDKs read it, so it is set
// without canonicalising.
const requestIDHeader = "x-amzn-RequestId"

// SetRequestID puts the request id on an answer, before anything is written.
func SetRequestID(h http.Header, id string) { h[requestIDHeader] = []string{id} }

// RequestID is the id SetRequestID put on the answer ("" when none).
func RequestID(rw http.ResponseWriter) string {
	if v := rw.Header()[requestIDHeader]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Error is a modeled AWS error answer: HTTP status, error code, message.
type Error struct {
	Status  int
	Code    string
	Message string
}

// NewError is an Error with status, code and message.
func NewError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// --- awsJson 1.1 ---

// JSONContentType is what awsJson 1.1 answers carry.
const JSONContentType = "application/x-amz-json-1.1"

// WriteJSON writes an awsJson 1.1 answer.
func WriteJSON(rw http.ResponseWriter, b []byte) {
	rw.Header().Set("Content-Type", JSONContentType)
	rw.WriteHeader(http.StatusOK)
	rw.Write(b)
}

// WriteJSONError writes an awsJson 1.1 error: the SDK reads the code from
// X-Amzn-ErrorType (or __type) and the message from the body.
func WriteJSONError(rw http.ResponseWriter, e *Error) {
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	rw.Header().Set("Content-Type", JSONContentType)
	rw.Header().Set("X-Amzn-ErrorType", e.Code)
	rw.WriteHeader(e.Status)
	rw.Write(b)
}

// DecodeJSON reads an awsJson request body (empty means {}) into v.
// Members v does not declare are ignored, as the services do, and
// returned, so that tests can assert that everything the SDK sends is
// understood.
func DecodeJSON(body []byte, v any) (unknown []string, e *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return nil, NewError(400, "SerializationException", "Start of structure or map found where not expected: request body is not a JSON object.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, NewError(400, "SerializationException", "could not deserialize request: "+err.Error())
	}
	known := Members(v)
	for k := range members {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	return unknown, nil
}

// Members are the JSON member names v (a struct or a pointer to one)
// declares, embedded structs included.
func Members(v any) map[string]bool {
	m := map[string]bool{}
	addMembers(reflect.TypeOf(v), m)
	return m
}

func addMembers(t reflect.Type, m map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			addMembers(f.Type, m)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
}
