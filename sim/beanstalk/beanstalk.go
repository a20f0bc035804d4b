// Package beanstalk is the Elastic Beanstalk part of the simulated world
// (awsQuery, API version 2010-12-01): applications, their versions,
// environments with enhanced health, and the events an environment writes
// as it changes. It answers the reads a release dashboard makes
// (DescribeEnvironments, DescribeEnvironmentHealth, DescribeEvents,
// DescribeApplicationVersions, DescribeConfigurationSettings,
// DescribeInstancesHealth, DescribeApplications), CreateApplication and
// CreateEnvironment (as moto has them), and the release actions (UpdateEnvironment
// as a rolling deploy in batches over simulated time,
// AbortEnvironmentUpdate, SwapEnvironmentCNAMEs, CreateApplicationVersion);
// every other action is "not implemented" in the service's own error
// shape.
//
// The scenario fills it through its surface (AddApplication, AddVersion,
// AddEnvironment, Deployed), under the loop's lock like every part.
package beanstalk

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// The request Version that routes here, and the namespace of the answers.
const (
	Version = "2010-12-01"
	XMLNS   = "http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"
)

// Part is the Elastic Beanstalk service of one world.
type Part struct {
	loop    *loop.Loop // time, the lock; no randomness is drawn here
	account string
	region  string

	apps    map[string]*application
	envs    []*environment // in creation order
	waiters map[string][]func(Outcome)
	bad     map[string]bool // app + NUL + label: versions whose deploys fail
}

// New is an Elastic Beanstalk with nothing in it, on the world's loop,
// for account in region (the ARNs').
func New(l *loop.Loop, account, region string) *Part {
	return &Part{loop: l, account: account, region: region, apps: map[string]*application{},
		waiters: map[string][]func(Outcome){}, bad: map[string]bool{}}
}

// Serve answers one awsQuery request for action. It takes the loop's lock.
func (pt *Part) Serve(rw http.ResponseWriter, r *http.Request, action string) {
	if err := r.ParseForm(); err != nil {
		writeErr(rw, errMalformed("the request body is not a form: "+err.Error()))
		return
	}
	f := form(r.Form)
	pt.loop.Lock()
	res, e := pt.dispatch(action, f)
	pt.loop.Unlock()
	if e != nil {
		writeErr(rw, e)
		return
	}
	writeResult(rw, action, res)
}

// WriteFault answers an injected fault in the service's own shape.
func (pt *Part) WriteFault(rw http.ResponseWriter, _ *http.Request, action string, kind faultkind.Kind, _ int) {
	awsproto.WriteQueryFault(rw, XMLNS, action, kind)
}

// actions are the operations this part answers, by name; each runs with
// the loop held and returns what marshals as the action's result element
// (nil for an action that has none).
var actions = map[string]func(*Part, form) (any, *awsproto.Error){
	"DescribeEnvironments":          (*Part).describeEnvironments,
	"DescribeEnvironmentHealth":     (*Part).describeEnvironmentHealth,
	"DescribeEvents":                (*Part).describeEvents,
	"DescribeApplicationVersions":   (*Part).describeApplicationVersions,
	"DescribeConfigurationSettings": (*Part).describeConfigurationSettings,
	"DescribeInstancesHealth":       (*Part).describeInstancesHealth,
	"DescribeApplications":          (*Part).describeApplications,
	"CreateApplication":             (*Part).createApplication,
	"CreateEnvironment":             (*Part).createEnvironment,
	"UpdateEnvironment":             (*Part).updateEnvironment,
	"AbortEnvironmentUpdate":        (*Part).abortEnvironmentUpdate,
	"SwapEnvironmentCNAMEs":         (*Part).swapEnvironmentCNAMEs,
	"CreateApplicationVersion":      (*Part).createApplicationVersion,
}

// dispatch runs one action; the loop is held.
func (pt *Part) dispatch(action string, f form) (res any, e *awsproto.Error) {
	if fn := actions[action]; fn != nil {
		return fn(pt, f)
	}
	return nil, awsproto.NewError(http.StatusBadRequest, "InvalidAction",
		"The action "+action+" is not implemented by the flightdeck sim yet (Elastic Beanstalk).")
}

// --- the wire ---

// form reads awsQuery parameters: scalars by name, lists as
// Name.member.N.
type form map[string][]string

func (f form) str(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list is Name.member.1, Name.member.2, … in order, up to the first gap.
func (f form) list(name string) []string {
	var out []string
	for i := 1; i <= 1000; i++ {
		v, ok := f[name+".member."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			break
		}
		out = append(out, v[0])
	}
	return out
}

// intIn reads an integer parameter within [lo, hi]; absent is def.
func (f form) intIn(name string, lo, hi, def int) (int, *awsproto.Error) {
	s := f.str(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errInvalid(fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have value between %d and %d",
			awsproto.Clip(s), lowerFirst(name), lo, hi))
	}
	return n, nil
}

// timeParam reads an ISO 8601 timestamp parameter; zero when absent.
func (f form) timeParam(name string) (time.Time, *awsproto.Error) {
	s := f.str(name)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errInvalid("Invalid value '" + awsproto.Clip(s) + "' for parameter " + name + ": not an ISO 8601 timestamp")
}

func errInvalid(msg string) *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "InvalidParameterValue", msg)
}

func errMissing(name string) *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter "+name)
}

func errMalformed(msg string) *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "MalformedQueryString", msg)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func writeErr(rw http.ResponseWriter, e *awsproto.Error) { awsproto.WriteQueryErr(rw, XMLNS, e) }

func writeResult(rw http.ResponseWriter, action string, res any) {
	awsproto.WriteQueryResult(rw, XMLNS, action, res)
}

// isoTime is a timestamp as awsQuery writes it.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
