package githubactions

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// A job's log: GET …/actions/jobs/{id}/logs answers 302 with a short-lived
// URL on a storage host; the log is read from there with no credential
// (c.plain), and only its end is kept.

var _ providers.JobLogReader = (*Source)(nil)

// JobLogURL asks GitHub where a job's log can be downloaded.
func (c *Client) JobLogURL(ctx context.Context, repo string, jobID int64) (*url.URL, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var u *url.URL
	_, err = c.do(ctx, "job log", func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		u, resp, err = c.gh.Actions.GetWorkflowJobLogs(ctx, owner, name, jobID, 0)
		return resp, err
	})
	return u, err
}

// DownloadLog reads the end of a log from its storage URL.
func (c *Client) DownloadLog(ctx context.Context, u *url.URL) (tail []byte, size int64, err error) {
	if u == nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, 0, fmt.Errorf("GitHub: the job log's address is not an http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.plain.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("GitHub: downloading the job log from %s: %w", u.Host, unwrapURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GitHub: the job log's storage host %s answered %s", u.Host, resp.Status)
	}
	return providers.ReadTail(resp.Body, providers.LogReadLimit, providers.LogTailBytes)
}

// unwrapURL drops the URL (it carries the download's signature) from a
// transport error.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// JobLog reads the end of a job's whole log.
func (s *Source) JobLog(ctx context.Context, service string, job model.Job) (model.JobLog, error) {
	svc, err := s.service(service)
	if err != nil {
		return model.JobLog{}, err
	}
	id, err := strconv.ParseInt(job.ID, 10, 64)
	if err != nil || id <= 0 {
		return model.JobLog{}, fmt.Errorf("GitHub: %s has no job id to read a log of", job.Name)
	}
	u, err := s.client.JobLogURL(ctx, svc.Repo, id)
	if err != nil {
		return model.JobLog{}, err
	}
	tail, size, err := s.client.DownloadLog(ctx, u)
	if err != nil {
		return model.JobLog{}, err
	}
	log := model.JobLog{Job: job.Name, Size: size, Truncated: size > int64(len(tail))}
	log.Text = stripStamps(providers.LogText(tail, log.Truncated))
	return log, nil
}

// stripStamps takes the timestamp GitHub puts before each log line off,
// and its group markers, so the log reads as the web page shows it.
func stripStamps(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if sp := strings.IndexByte(l, ' '); sp == 28 && l[4] == '-' && l[10] == 'T' && l[27] == 'Z' {
			l = l[sp+1:]
		}
		if rest, ok := strings.CutPrefix(l, "##[group]"); ok {
			l = "▸ " + rest
		}
		if rest, ok := strings.CutPrefix(l, "##[error]"); ok {
			l = "Error: " + rest
		}
		lines[i] = l
	}
	out := lines[:0]
	for _, l := range lines {
		if l != "##[endgroup]" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
