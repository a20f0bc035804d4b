package github

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
)

// Job logs: GET …/actions/jobs/{id}/logs answers 302 with a short-lived
// URL on a storage host, which serves the log as plain text, each line
// behind its timestamp, with no token wanted (GitHub's blob storage). The
// sim serves that storage under LogPrefix on its own host.

// LogPrefix is where the sim serves job logs, as if from storage.
const LogPrefix = "/_storage/github/jobs/"

func (pt *Part) ghJobLogs(c *ghCall) ghReply {
	id, err := strconv.ParseInt(c.args[2], 10, 64)
	if err != nil {
		return ghNotFound
	}
	_, _, j := c.job(id)
	if j == nil || j.StartedAt.IsZero() {
		return ghNotFound
	}
	return ghReply{status: http.StatusFound,
		location: "http://" + c.r.Host + LogPrefix + strconv.FormatInt(id, 10) + "?sig=sim&se=" + pt.loop.Now().Add(time.Minute).UTC().Format(time.RFC3339)}
}

// ServeLog answers a job log's storage URL.
func (pt *Part) ServeLog(rw http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, LogPrefix), 10, 64)
	if err != nil || r.Method != http.MethodGet {
		http.NotFound(rw, r)
		return
	}
	pt.loop.Lock()
	var b strings.Builder
	p, j := pt.ci.JobByGitHubID(id)
	if j != nil {
		stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }
		for _, s := range ci.Log(p, j, pt.loop.Now()) {
			if len(s.Lines) == 0 {
				continue
			}
			fmt.Fprintf(&b, "%s ##[group]%s\n", stamp(s.Lines[0].At), s.Name)
			for _, l := range s.Lines {
				fmt.Fprintf(&b, "%s %s\n", stamp(l.At), l.Text)
			}
			last := s.Lines[len(s.Lines)-1].At
			fmt.Fprintf(&b, "%s ##[endgroup]\n", stamp(last))
			if s.Failed {
				fmt.Fprintf(&b, "%s ##[error]Process completed with exit code %d.\n", stamp(last), s.ExitCode)
			}
		}
	}
	pt.loop.Unlock()
	if j == nil {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write([]byte(b.String()))
}
