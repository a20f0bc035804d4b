package sim

import (
	"encoding/xml"
	"net/http"
)

// awsQuery (Elastic Beanstalk 2010-12-01, ELBv2 2015-12-01): form POST with
// Action and Version, XML answers <OpResponse><OpResult>…</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>, errors as
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
// Routed now; the operations come later.

func (w *World) serveBeanstalk(rw http.ResponseWriter, r *http.Request, action string) {
	writeQueryError(rw, beanstalkXMLNS, http.StatusBadRequest, "Sender", "InvalidAction",
		"The action "+action+" is not implemented by the flightdeck sim yet (Elastic Beanstalk).")
}

func (w *World) serveELBv2(rw http.ResponseWriter, r *http.Request, action string) {
	writeQueryError(rw, elbv2XMLNS, http.StatusBadRequest, "Sender", "InvalidAction",
		"The action "+action+" is not implemented by the flightdeck sim yet (ELBv2).")
}

type queryErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	XMLNS   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeQueryError writes an awsQuery error; the SDK reads Code, Message and
// RequestId from it.
func writeQueryError(rw http.ResponseWriter, xmlns string, status int, typ, code, msg string) {
	var e queryErrorResponse
	e.XMLNS = xmlns
	e.Error.Type, e.Error.Code, e.Error.Message = typ, code, msg
	e.RequestID = requestID(rw)
	b, _ := xml.Marshal(e)
	rw.Header().Set("Content-Type", "text/xml")
	rw.WriteHeader(status)
	rw.Write([]byte(xml.Header))
	rw.Write(b)
}
