package team

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"strings"
)

// WebhookOptions configure the webhook endpoint.
type WebhookOptions struct {
	// GitHubSecret and CircleCISecret are the webhooks' shared secrets;
	// an endpoint without one is not served (404).
	GitHubSecret, CircleCISecret string
	Shared                       *Shared
	Log                          *log.Logger
}

// maxWebhookBody bounds what is read of a webhook's body.
const maxWebhookBody = 1 << 20

// githubEvents are the GitHub events that can change what a screen shows.
var githubEvents = map[string]bool{"workflow_run": true, "workflow_job": true, "deployment_review": true}

// Webhooks serves POST /github (X-Hub-Signature-256) and POST /circleci
// (circleci-signature). A verified event only makes that provider's
// sources poll now (Shared.PollKind); its payload is never read as data.
// A bad signature is 401, logged, and polls nothing.
func Webhooks(o WebhookOptions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /github", func(w http.ResponseWriter, r *http.Request) {
		hook(w, r, o, "github", o.GitHubSecret, func(body []byte) bool {
			got, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=")
			return ok && validMAC(o.GitHubSecret, body, got)
		}, func() bool { return githubEvents[r.Header.Get("X-GitHub-Event")] })
	})
	mux.HandleFunc("POST /circleci", func(w http.ResponseWriter, r *http.Request) {
		hook(w, r, o, "circleci", o.CircleCISecret, func(body []byte) bool {
			// "v1=<hex>", possibly several, comma-separated.
			for _, part := range strings.Split(r.Header.Get("circleci-signature"), ",") {
				if got, ok := strings.CutPrefix(strings.TrimSpace(part), "v1="); ok && validMAC(o.CircleCISecret, body, got) {
					return true
				}
			}
			return false
		}, func() bool { return true })
	})
	return mux
}

func hook(w http.ResponseWriter, r *http.Request, o WebhookOptions, kind, secret string, verified func([]byte) bool, relevant func() bool) {
	if secret == "" {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil || len(body) > maxWebhookBody {
		http.Error(w, "body unreadable or over 1 MiB", http.StatusRequestEntityTooLarge)
		return
	}
	if !verified(body) {
		o.Log.Printf("webhook %s from %s: bad signature; nothing polled", kind, r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if !relevant() {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	n := o.Shared.PollKind(kind)
	o.Log.Printf("webhook %s: polling %d source(s) now", kind, n)
	w.WriteHeader(http.StatusAccepted)
}

// validMAC compares hex(HMAC-SHA256(secret, body)) with got in constant time.
func validMAC(secret string, body []byte, got string) bool {
	want, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}
