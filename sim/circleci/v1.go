package circleci

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/internal/rest"
)

// API v1.1, the one CircleCI API that gives a job's step output: the
// build detail (GET /api/v1.1/project/:vcs/:org/:repo/:build_num) lists
// each step's actions, each with an output_url on a storage host that
// answers without the token (a pre-signed URL, in CircleCI). The sim
// serves only that call, and the output under OutputPrefix on its own
// host.

// OutputPrefix is where the sim serves step output, as if from storage.
const OutputPrefix = "/_storage/circleci/"

// BuildDetail is v1.1's build detail, the fields flightdeck reads.
type BuildDetail struct {
	BuildNum int      `json:"build_num"`
	Status   string   `json:"status"`
	Steps    []V1Step `json:"steps"`
}

// V1Step is one step of a v1.1 build, with one action a parallel run.
type V1Step struct {
	Name    string     `json:"name"`
	Actions []V1Action `json:"actions"`
}

// V1Action is one run of a step.
type V1Action struct {
	Name          string  `json:"name"`
	Index         int     `json:"index"`
	Step          int     `json:"step"`
	Status        string  `json:"status"`
	Failed        *bool   `json:"failed"`
	ExitCode      *int    `json:"exit_code"`
	HasOutput     bool    `json:"has_output"`
	OutputURL     string  `json:"output_url,omitempty"`
	StartTime     string  `json:"start_time"`
	EndTime       *string `json:"end_time"`
	RunTimeMillis int64   `json:"run_time_millis"`
}

// OutputMessage is one entry of a step's output document.
type OutputMessage struct {
	Type    string `json:"type"`
	Time    string `json:"time"`
	Message string `json:"message"`
}

// RouteV1 answers a request under /api/v1.1 (auth as for v2).
func (pt *Part) RouteV1(r *http.Request) (string, http.HandlerFunc) {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/v1.1"), "/"), "/")
	if _, ok := rest.Match(strings.Split("project/*/*/*/*", "/"), segs); !ok || r.Method != http.MethodGet {
		return "v1.1 " + r.Method, func(rw http.ResponseWriter, r *http.Request) {
			ciError(rw, http.StatusNotFound, "Not found.")
		}
	}
	return "getBuildDetail", func(rw http.ResponseWriter, r *http.Request) {
		if !circleAuthed(r) {
			ciError(rw, http.StatusUnauthorized, "You must log in first.")
			return
		}
		pt.v1Build(rw, r, segs[1], segs[2], segs[3], segs[4])
	}
}

func (pt *Part) v1Build(rw http.ResponseWriter, r *http.Request, vcs, org, name, num string) {
	n, err := strconv.Atoi(num)
	if err != nil {
		ciError(rw, http.StatusBadRequest, "Invalid build number.")
		return
	}
	pt.ciRead(rw, func() (any, string) {
		repo := pt.repoBySlug(vcs, org, name)
		if repo == nil {
			return nil, "Project not found"
		}
		p, j := pt.ci.JobByNumber(repo.Service, n)
		if j == nil {
			return nil, "Build not found"
		}
		return pt.buildDetail(r, p, j), ""
	})
}

func (pt *Part) buildDetail(r *http.Request, p *ci.Pipeline, j *ci.Job) BuildDetail {
	d := BuildDetail{BuildNum: j.Number, Status: v1Status(j.Status)}
	for i, s := range ci.Log(p, j, pt.loop.Now()) {
		a := V1Action{Name: s.Name, Step: i, Status: "success", HasOutput: len(s.Lines) > 0}
		failed, code := s.Failed, s.ExitCode
		switch {
		case s.Running:
			a.Status = "running"
		case s.Failed:
			a.Status, a.Failed, a.ExitCode = "failed", &failed, &code
		default:
			a.ExitCode = &code
		}
		if len(s.Lines) > 0 {
			a.StartTime = s.Lines[0].At.UTC().Format(time.RFC3339Nano)
			a.OutputURL = "http://" + r.Host + OutputPrefix + j.ID + "/" + strconv.Itoa(i) + "?X-Amz-Signature=sim"
		}
		d.Steps = append(d.Steps, V1Step{Name: s.Name, Actions: []V1Action{a}})
	}
	return d
}

func v1Status(s ci.RunStatus) string {
	switch s {
	case ci.RunSuccess:
		return "success"
	case ci.RunFailed:
		return "failed"
	case ci.RunCanceled:
		return "canceled"
	case ci.RunRunning:
		return "running"
	}
	return "not_running"
}

// ServeOutput answers a step's output URL, as the storage host does:
// no token wanted, the body a JSON list of messages.
func (pt *Part) ServeOutput(rw http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, OutputPrefix), "/")
	if len(parts) != 2 || r.Method != http.MethodGet {
		http.NotFound(rw, r)
		return
	}
	step, err := strconv.Atoi(parts[1])
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	pt.loop.Lock()
	var out []OutputMessage
	p, j := pt.jobByID(parts[0])
	found := j != nil
	if found {
		steps := ci.Log(p, j, pt.loop.Now())
		found = step < len(steps)
		if found {
			for _, l := range steps[step].Lines {
				out = append(out, OutputMessage{Type: "out", Time: l.At.UTC().Format(time.RFC3339Nano), Message: l.Text + "\r\n"})
			}
		}
	}
	pt.loop.Unlock()
	if !found {
		http.NotFound(rw, r)
		return
	}
	rest.WriteJSON(rw, http.StatusOK, out)
}

// jobByID finds a CircleCI job by its id.
func (pt *Part) jobByID(id string) (*ci.Pipeline, *ci.Job) {
	if p, j := pt.ci.JobByID(id); j != nil && p.RunID == 0 {
		return p, j
	}
	return nil, nil
}
