// Package elbv2 is the Elastic Load Balancing v2 part of the simulated
// world (awsQuery, API version 2015-12-01): application load balancers,
// their listeners and rules with weighted forward actions, target groups
// and the health of their targets. The operations flightdeck calls are
// served (DescribeListeners, DescribeRules, DescribeTargetGroups,
// DescribeTargetHealth, ModifyListener, ModifyRule); the rest answer
// InvalidAction.
//
// Targets are not registered by hand: a target group's targets are the
// tasks of the ECS service registered in it, read through a Targets the
// world wires (the part never imports sim/ecs). A task starting is
// "initial", a running one "healthy", and one that stopped is "draining"
// for DrainFor after the part first notices it gone.
package elbv2

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// The request Version that routes here, and the namespace of the answers.
const (
	Version = "2015-12-01"
	XMLNS   = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
)

// Part is the ELBv2 service of one world.
type Part struct {
	loop    *loop.Loop // time and the lock; no randomness is drawn here
	account string

	lbs       []*loadBalancer // in creation order
	listeners []*listener
	tgs       []*targetGroup
	targets   Targets
	// history is each listener's and rule's forward weights as they
	// changed (by ARN; a listener's default rule under the listener's),
	// so CloudWatch can answer past minutes as they were.
	history map[string][]weightChange
}

// New is an ELBv2 with nothing in it, in account, on the world's loop.
func New(l *loop.Loop, account string) *Part { return &Part{loop: l, account: account} }

// Serve answers one awsQuery request for action.
func (pt *Part) Serve(rw http.ResponseWriter, r *http.Request, action string) {
	if err := r.ParseForm(); err != nil {
		writeErr(rw, errValidation("the request body is not a form: "+err.Error()))
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

var actions = map[string]func(*Part, form) (any, *awsproto.Error){
	"DescribeLoadBalancers": (*Part).describeLoadBalancers,
	"DescribeListeners":     (*Part).describeListeners,
	"DescribeRules":         (*Part).describeRules,
	"DescribeTargetGroups":  (*Part).describeTargetGroups,
	"DescribeTargetHealth":  (*Part).describeTargetHealth,
	"ModifyListener":        (*Part).modifyListener,
	"ModifyRule":            (*Part).modifyRule,
}

func (pt *Part) dispatch(action string, f form) (any, *awsproto.Error) {
	if fn := actions[action]; fn != nil {
		return fn(pt, f)
	}
	return nil, awsproto.NewError(http.StatusBadRequest, "InvalidAction",
		"The action "+awsproto.Clip(action)+" is not implemented by the flightdeck sim (ELBv2).")
}

// form is a request's parameters, with awsQuery's list members
// (Name.member.N) read in order.
type form map[string][]string

func (f form) str(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (f form) has(name string) bool { _, ok := f[name]; return ok }

// list is Name.member.1, .2, … up to the first gap.
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

// members counts the members of a list of structures: the indexes N for
// which some key starts with Name.member.N. (up to the first gap).
func (f form) members(name string) int {
	n := 0
	for {
		prefix := name + ".member." + strconv.Itoa(n+1) + "."
		found := false
		for k := range f {
			if strings.HasPrefix(k, prefix) {
				found = true
				break
			}
		}
		if !found || n >= 100 {
			return n
		}
		n++
	}
}

func (f form) intIn(name string, lo, hi, def int) (int, *awsproto.Error) {
	s := f.str(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have value between %d and %d",
			awsproto.Clip(s), lowerFirst(name), lo, hi))
	}
	return n, nil
}

// The errors ELBv2 answers, in its words.
func errValidation(msg string) *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "ValidationError", msg)
}

func errListenerNotFound() *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "ListenerNotFound", "One or more listeners not found")
}

func errRuleNotFound() *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "RuleNotFound", "One or more rules not found")
}

func errTargetGroupNotFound() *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "TargetGroupNotFound", "One or more target groups not found")
}

func errLoadBalancerNotFound() *awsproto.Error {
	return awsproto.NewError(http.StatusBadRequest, "LoadBalancerNotFound", "One or more load balancers not found")
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
