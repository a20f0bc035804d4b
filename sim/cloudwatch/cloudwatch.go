// Package cloudwatch is the CloudWatch part of the simulated world, over
// Smithy RPC v2 CBOR: POST /service/GraniteServiceVersion20100801/operation/<Op>,
// CBOR maps both ways, timestamps as tag 1. It is routed and answers every
// operation "not implemented yet"; GetMetricData arrives here, its metrics
// the part's own state on the world's loop (see sim/ecs for the pattern).
package cloudwatch

import (
	"net/http"

	"flightdeck/sim/awsproto"
	"flightdeck/sim/internal/faultkind"
	"flightdeck/sim/internal/loop"
)

// PathPrefix routes here; the operation follows it.
const PathPrefix = "/service/GraniteServiceVersion20100801/operation/"

// Namespace prefixes CloudWatch's error codes in __type.
const Namespace = "com.amazonaws.cloudwatch"

// Part is the CloudWatch service of one world.
type Part struct {
	loop *loop.Loop // time, randomness and the lock, once there is state
}

// New is a CloudWatch with no metrics, on the world's loop.
func New(l *loop.Loop) *Part { return &Part{loop: l} }

// Serve answers one request for op.
func (pt *Part) Serve(rw http.ResponseWriter, r *http.Request, op string) {
	awsproto.WriteCBORError(rw, Namespace, http.StatusBadRequest, "InvalidAction", "Sender",
		"The operation "+op+" is not implemented by the flightdeck sim yet (CloudWatch).")
}

// WriteFault answers an injected fault in CloudWatch's shape.
func (pt *Part) WriteFault(rw http.ResponseWriter, _ *http.Request, op string, kind faultkind.Kind, _ int) {
	switch kind {
	case faultkind.ServerError:
		awsproto.WriteCBORError(rw, Namespace, 500, "InternalServiceFault", "Receiver", "Internal service error (injected by the flightdeck sim).")
	case faultkind.Throttle:
		awsproto.WriteCBORError(rw, Namespace, 400, "Throttling", "Sender", "Rate exceeded")
	case faultkind.Deny:
		awsproto.WriteCBORError(rw, Namespace, 403, "AccessDenied", "Sender", "User is not authorized to perform: cloudwatch:"+op)
	}
}
