package sim

import (
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch over Smithy RPC v2 CBOR: POST
// /service/GraniteServiceVersion20100801/operation/<Op>, CBOR maps both
// ways, timestamps as tag 1. Routed now; GetMetricData comes later.

func (w *World) serveCloudWatch(rw http.ResponseWriter, r *http.Request, op string) {
	writeCBORError(rw, http.StatusBadRequest, "InvalidAction", "Sender",
		"The operation "+op+" is not implemented by the flightdeck sim yet (CloudWatch).")
}

// writeCBORError writes an rpcv2Cbor error. CloudWatch is query-compatible,
// so X-Amzn-Query-Error carries the code and fault the SDK reports.
func writeCBORError(rw http.ResponseWriter, status int, code, fault, msg string) {
	body := cbor.Encode(cbor.Map{
		"__type":  cbor.String("com.amazonaws.cloudwatch#" + code),
		"message": cbor.String(msg),
	})
	h := rw.Header()
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("X-Amzn-Query-Error", code+";"+fault)
	rw.WriteHeader(status)
	rw.Write(body)
}
