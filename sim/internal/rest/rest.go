// Package rest holds what the sim's JSON protocols (CircleCI, GitHub, the
// control surface) share and AWS's do not: a JSON answer, and matching a
// path to an endpoint's pattern.
package rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// WriteJSON answers status with v as JSON (and a newline).
func WriteJSON(rw http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	rw.Write(b)
	rw.Write([]byte("\n"))
}

// Match matches path segments to a pattern whose "*" is one non-empty
// segment and whose last "**" is the rest of the path, one segment or
// more (as a GitHub contents path is); it returns what the wildcards
// matched.
func Match(pattern, segs []string) ([]string, bool) {
	if n := len(pattern); n > 0 && pattern[n-1] == "**" && len(segs) >= n {
		rest := strings.Join(segs[n-1:], "/")
		args, ok := Match(pattern[:n-1], segs[:n-1])
		return append(args, rest), ok && !slices.Contains(segs[n-1:], "")
	}
	if len(pattern) != len(segs) {
		return nil, false
	}
	var args []string
	for i, p := range pattern {
		switch {
		case p == "*" && segs[i] != "":
			args = append(args, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return args, true
}
