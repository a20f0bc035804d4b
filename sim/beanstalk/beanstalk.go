// Package beanstalk is the Elastic Beanstalk part of the simulated world
// (awsQuery, API version 2010-12-01). It is routed and answers every
// action "not implemented yet"; environments, versions and events arrive
// here as the part's own state on the world's loop (see sim/ecs for the
// pattern).
package beanstalk

import (
	"net/http"

	"flightdeck/sim/awsproto"
	"flightdeck/sim/internal/faultkind"
	"flightdeck/sim/internal/loop"
)

// The request Version that routes here, and the namespace of the answers.
const (
	Version = "2010-12-01"
	XMLNS   = "http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"
)

// Part is the Elastic Beanstalk service of one world.
type Part struct {
	loop *loop.Loop // time, randomness and the lock, once there is state
}

// New is an Elastic Beanstalk with nothing in it, on the world's loop.
func New(l *loop.Loop) *Part { return &Part{loop: l} }

// Serve answers one awsQuery request for action.
func (pt *Part) Serve(rw http.ResponseWriter, r *http.Request, action string) {
	awsproto.WriteQueryError(rw, XMLNS, http.StatusBadRequest, "Sender", "InvalidAction",
		"The action "+action+" is not implemented by the flightdeck sim yet (Elastic Beanstalk).")
}

// WriteFault answers an injected fault in the service's own shape.
func (pt *Part) WriteFault(rw http.ResponseWriter, _ *http.Request, action string, kind faultkind.Kind, _ int) {
	awsproto.WriteQueryFault(rw, XMLNS, action, kind)
}
