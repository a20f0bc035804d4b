// Package tee passes an HTTP response through to the client and keeps a
// copy of its status and body, for the checks that judge the answer after
// it went out. It has no dependencies, so the sim (product code) and the
// spec checker (test-only) can share it.
package tee

import (
	"bytes"
	"net/http"
)

// Writer is an http.ResponseWriter that copies what passes through it.
type Writer struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

// New wraps rw.
func New(rw http.ResponseWriter) *Writer { return &Writer{ResponseWriter: rw} }

func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *Writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (to hijack or flush).
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Wrote says whether anything was answered.
func (w *Writer) Wrote() bool { return w.status != 0 }

// Status is the status written (200 when only a body was).
func (w *Writer) Status() int { return w.status }

// Body is the body written so far.
func (w *Writer) Body() []byte { return w.body.Bytes() }
