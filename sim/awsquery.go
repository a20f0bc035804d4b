package sim

import (
	"net/http"

	"flightdeck/sim/awsproto"
)

// awsQuery (Elastic Beanstalk 2010-12-01, ELBv2 2015-12-01): form POST with
// Action and Version, XML answers <OpResponse><OpResult>…</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>, errors as
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
// Routed now; the operations come later.

func (w *World) serveBeanstalk(rw http.ResponseWriter, r *http.Request, action string) {
	awsproto.WriteQueryError(rw, beanstalkXMLNS, http.StatusBadRequest, "Sender", "InvalidAction",
		"The action "+action+" is not implemented by the flightdeck sim yet (Elastic Beanstalk).")
}

func (w *World) serveELBv2(rw http.ResponseWriter, r *http.Request, action string) {
	awsproto.WriteQueryError(rw, elbv2XMLNS, http.StatusBadRequest, "Sender", "InvalidAction",
		"The action "+action+" is not implemented by the flightdeck sim yet (ELBv2).")
}
