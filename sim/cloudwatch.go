package sim

import (
	"net/http"

	"flightdeck/sim/awsproto"
)

// CloudWatch over Smithy RPC v2 CBOR: POST
// /service/GraniteServiceVersion20100801/operation/<Op>, CBOR maps both
// ways, timestamps as tag 1. Routed now; GetMetricData comes later.

// cloudWatchNamespace prefixes CloudWatch's error codes in __type.
const cloudWatchNamespace = "com.amazonaws.cloudwatch"

func (w *World) serveCloudWatch(rw http.ResponseWriter, r *http.Request, op string) {
	awsproto.WriteCBORError(rw, cloudWatchNamespace, http.StatusBadRequest, "InvalidAction", "Sender",
		"The operation "+op+" is not implemented by the flightdeck sim yet (CloudWatch).")
}
