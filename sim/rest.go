package sim

import "net/http"

// GitHub REST (/repos/…, /rate_limit, also under /api/v3 as GitHub
// Enterprise serves it): JSON, errors as {"message": …}. Routed now; the
// endpoints come later, reading the commits and pipelines the world
// already keeps (pipeline.go), as the CircleCI ones do (circleci.go).

func (w *World) serveGitHub(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusNotImplemented, map[string]string{
		"message":           "not implemented by the flightdeck sim yet: " + r.Method + " " + r.URL.Path,
		"documentation_url": "https://docs.github.com/rest",
	})
}
