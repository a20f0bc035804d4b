package awsproto

import (
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Smithy RPC v2 CBOR (CloudWatch): POST
// /service/<ServiceShape>/operation/<Op>, CBOR maps both ways, timestamps
// as tag 1.

// WriteCBORError writes an rpcv2Cbor error whose __type is namespace#code
// (CloudWatch's namespace is com.amazonaws.cloudwatch). The services that
// speak it are query-compatible, so X-Amzn-Query-Error carries the code
// and fault ("Sender" or "Receiver") the SDK reports.
func WriteCBORError(rw http.ResponseWriter, namespace string, status int, code, fault, msg string) {
	body := cbor.Encode(cbor.Map{
		"__type":  cbor.String(namespace + "#" + code),
		"message": cbor.String(msg),
	})
	h := rw.Header()
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("X-Amzn-Query-Error", code+";"+fault)
	rw.WriteHeader(status)
	rw.Write(body)
}
