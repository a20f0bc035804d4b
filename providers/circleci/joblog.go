package circleci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// A job's log. API v2 has no step output; API v1.1's build detail
// (GET /api/v1.1/project/:vcs/:org/:repo/:build_num, CircleCI's "Single
// Job" call) lists each step's actions, each with an output_url: a
// pre-signed URL on a storage host whose body is a JSON list of
// {"type", "time", "message"}. The token is never sent there (HostAuth
// keeps it for the CircleCI host). v1.1 knows projects by VCS only, so
// projects with circleci/ORG-ID/PROJECT-ID slugs (GitLab, GitHub App) have
// no step output flightdeck can read.

var _ providers.JobLogReader = (*Source)(nil)

// BuildDetail is the part of v1.1's build detail flightdeck reads.
type BuildDetail struct {
	BuildNum int       `json:"build_num"`
	Status   string    `json:"status"`
	Steps    []*V1Step `json:"steps"`
}

// V1Step is a step; each action is one parallel run of it.
type V1Step struct {
	Name    string      `json:"name"`
	Actions []*V1Action `json:"actions"`
}

// V1Action is one run of a step.
type V1Action struct {
	Name      string `json:"name"`
	Status    string `json:"status"`
	Failed    *bool  `json:"failed"`
	ExitCode  *int   `json:"exit_code"`
	OutputURL string `json:"output_url"`
}

// v1Project turns a v2 project slug into v1.1's path segments.
func v1Project(slug string) (string, error) {
	parts := strings.Split(strings.Trim(slug, "/"), "/")
	if len(parts) != 3 {
		return "", fmt.Errorf("project slug %q is not VCS/ORG/REPO", slug)
	}
	switch parts[0] {
	case "gh", "github":
		parts[0] = "github"
	case "bb", "bitbucket":
		parts[0] = "bitbucket"
	default:
		return "", fmt.Errorf("CircleCI gives step output only through API v1.1, which does not serve %s projects (%q); open the job in the browser", parts[0], slug)
	}
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/"), nil
}

// BuildDetail reads one job with API v1.1.
func (c *Client) BuildDetail(ctx context.Context, project string, number int64) (BuildDetail, error) {
	path, err := v1Project(project)
	if err != nil {
		return BuildDetail{}, err
	}
	var d BuildDetail
	_, err = c.do(ctx, call{method: http.MethodGet, path: "/project/" + path + "/" + strconv.FormatInt(number, 10), v1: true}, &d)
	return d, err
}

// StepOutput reads the end of a step's output document from its storage
// URL: at most providers.LogReadLimit bytes, decoded message by message,
// of which the last providers.LogTailBytes are kept.
func (c *Client) StepOutput(ctx context.Context, outputURL string) (tail []byte, size int64, err error) {
	u, err := url.Parse(outputURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, 0, fmt.Errorf("CircleCI: the step's output URL is not an http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("CircleCI: reading the step's output: %w", stripURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("CircleCI: the step's output answered %s", resp.Status)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(messages(io.LimitReader(resp.Body, providers.LogReadLimit+1), pw)) }()
	tail, size, err = providers.ReadTail(pr, providers.LogReadLimit, providers.LogTailBytes)
	pr.Close()
	return tail, size, err
}

// messages writes the text of each message of an output document to w,
// one decoded entry at a time, so a large document is never held whole.
func messages(r io.Reader, w io.Writer) error {
	d := json.NewDecoder(r)
	if tok, err := d.Token(); err != nil || tok != json.Delim('[') {
		if tok == nil && errors.Is(err, io.EOF) {
			return nil // an empty document: no output
		}
		return fmt.Errorf("the step's output is not a list of messages")
	}
	for d.More() {
		var m struct {
			Message string `json:"message"`
		}
		if err := d.Decode(&m); err != nil {
			return fmt.Errorf("reading the step's output: %w", err)
		}
		if _, err := io.WriteString(w, m.Message); err != nil {
			return err
		}
	}
	return nil
}

// JobLog reads the output of a job's failed step (or its last step, when
// none failed) through API v1.1.
func (s *Source) JobLog(ctx context.Context, service string, job model.Job) (model.JobLog, error) {
	i := slices.IndexFunc(s.services, func(v Service) bool { return v.Name == service })
	if i < 0 {
		return model.JobLog{}, fmt.Errorf("CircleCI: %s is not one of this source's services", service)
	}
	if job.Number == 0 {
		return model.JobLog{}, fmt.Errorf("CircleCI: %s has no job number (an approval job has no log)", job.Name)
	}
	d, err := s.client.BuildDetail(ctx, s.services[i].Project, job.Number)
	if err != nil {
		return model.JobLog{}, err
	}
	step, act := pickStep(d)
	if act == nil {
		return model.JobLog{Job: job.Name, Size: 0}, nil
	}
	log := model.JobLog{Job: job.Name, Step: step, ExitCode: act.ExitCode, Size: -1}
	if act.OutputURL == "" {
		return log, nil
	}
	tail, size, err := s.client.StepOutput(ctx, act.OutputURL)
	if err != nil {
		return model.JobLog{}, err
	}
	log.Size = size
	log.Truncated = size > int64(len(tail))
	log.Text = providers.LogText(tail, log.Truncated)
	return log, nil
}

// pickStep is the first failed action, else the last action with output.
func pickStep(d BuildDetail) (string, *V1Action) {
	var lastName string
	var last *V1Action
	for _, st := range d.Steps {
		if st == nil {
			continue
		}
		for _, a := range st.Actions {
			if a == nil {
				continue
			}
			if (a.Failed != nil && *a.Failed) || a.Status == "failed" || a.Status == "timedout" {
				return st.Name, a
			}
			if a.OutputURL != "" {
				lastName, last = st.Name, a
			}
		}
	}
	return lastName, last
}
