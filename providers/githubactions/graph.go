package githubactions

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/model"
)

// node is one job of the graph as the workflow files describe it: a job of
// the run's workflow, or a job of a workflow it calls.
type node struct {
	key     string   // lower-cased job id; "caller/callee" inside a called workflow
	display string   // the name to show while no run of it exists
	names   []string // the exact API names of its runs, when predictable
	pattern *regexp.Regexp
	literal int
	needs   []string // node keys, resolved
	env     string
	cond    string
	call    string // inside a called workflow: the caller's key
}

// graph is the job graph of one run's workflow file and the files it calls.
type graph struct {
	nodes []*node
}

// buildGraph lays out the nodes of a workflow file. A job calling a
// reusable workflow whose file is in called becomes that file's jobs,
// named "<caller> / <callee>" as the jobs API names them; the callee's
// first jobs need what the caller needs, and whoever needs the caller needs
// the callee's last jobs. A call whose file is unknown stays one node that
// claims every "<caller> / …" job.
func buildGraph(f *wfFile, called map[string]*wfFile) *graph {
	g := &graph{}
	leaves := map[string][]string{} // a caller's id → its callee's last job keys
	for _, j := range f.Jobs {
		id := strings.ToLower(j.ID)
		callee := called[j.Uses]
		if j.Uses == "" || callee == nil {
			n := newNode(id, j, nil)
			n.needs = slices.Clone(j.Needs)
			g.nodes = append(g.nodes, n)
			continue
		}
		needed := map[string]bool{}
		for _, cj := range callee.Jobs {
			for _, n := range cj.Needs {
				needed[n] = true
			}
		}
		for _, cj := range callee.Jobs {
			cid := strings.ToLower(cj.ID)
			n := newNode(id+"/"+cid, cj, j)
			n.call = id
			if len(cj.Needs) == 0 {
				n.needs = slices.Clone(j.Needs)
			}
			for _, need := range cj.Needs {
				n.needs = append(n.needs, id+"/"+need)
			}
			g.nodes = append(g.nodes, n)
			if !needed[cid] {
				leaves[id] = append(leaves[id], n.key)
			}
		}
	}
	// A need on a caller is a need on its callee's last jobs.
	for _, n := range g.nodes {
		var resolved []string
		for _, need := range n.needs {
			if l, ok := leaves[need]; ok {
				resolved = append(resolved, l...)
			} else {
				resolved = append(resolved, need)
			}
		}
		n.needs = resolved
	}
	return g
}

// newNode builds a node for job j, inside a workflow called by caller when
// caller is not nil.
func newNode(key string, j, caller *wfJob) *node {
	n := &node{key: key, env: j.Env, cond: j.If}
	names, ok := j.displayNames()
	pattern := j.namePattern()
	n.literal = j.literalLen()
	if caller != nil {
		cnames, cok := caller.displayNames()
		ok = ok && cok
		var both []string
		for _, c := range cnames {
			for _, s := range names {
				both = append(both, c+" / "+s)
			}
		}
		names = both
		ok = ok && len(both) <= maxMatrix
		pattern = caller.namePattern() + " / " + pattern
		n.literal += caller.literalLen() + 3
	}
	if ok {
		n.names = names
	}
	if j.Uses != "" {
		// A call not laid out: its jobs are "<this> / <theirs>".
		pattern += `(?: / .*)?`
	}
	n.pattern = regexp.MustCompile(`^` + pattern + `$`)
	n.display = j.ID
	if len(n.names) == 1 {
		n.display = n.names[0]
	} else if caller != nil {
		n.display = caller.ID + " / " + j.ID
	}
	return n
}

// match finds the node an API job name is a run of: an exact predicted
// name first, then the most specific pattern.
func (g *graph) match(name string) *node {
	for _, n := range g.nodes {
		if slices.Contains(n.names, name) {
			return n
		}
	}
	var best *node
	for _, n := range g.nodes {
		if n.pattern.MatchString(name) && (best == nil || n.literal > best.literal) {
			best = n
		}
	}
	return best
}

// jobsWithGraph maps a run's API jobs onto the graph: each job needs the
// runs of the nodes its node needs. A node's runs not started yet appear
// under their predicted names (blocked while the run goes on, skipped once
// it is over), so the board shows what is still to come; predictions are
// trusted only while every run of the node has a predicted name. Jobs the
// graph does not know come last, needing nothing.
func jobsWithGraph(g *graph, jobs []*github.WorkflowJob, runDone bool) []model.Job {
	runsOf := map[*node][]*github.WorkflowJob{}
	var strays []*github.WorkflowJob
	for _, j := range jobs {
		if n := g.match(j.GetName()); n != nil {
			runsOf[n] = append(runsOf[n], j)
		} else {
			strays = append(strays, j)
		}
	}
	slotsOf := make(map[*node][]slot, len(g.nodes))
	byKey := make(map[string]*node, len(g.nodes))
	for _, n := range g.nodes {
		byKey[n.key] = n
		slotsOf[n] = slots(n, runsOf[n])
	}
	// needsOf lists what the job called name, of node n, waits for. Inside
	// a called workflow run once per matrix leg of its caller, a job waits
	// only for the jobs of its own leg: "deploy (eu) / smoke" for
	// "deploy (eu) / rollout", not for "deploy (us) / rollout".
	needsOf := func(n *node, name string) []string {
		out := []string{}
		leg, _, _ := strings.Cut(name, " / ")
		for _, k := range n.needs {
			dep, ok := byKey[k]
			if !ok {
				continue
			}
			var names, same []string
			for _, sl := range slotsOf[dep] {
				names = append(names, sl.name)
				if strings.HasPrefix(sl.name, leg+" / ") {
					same = append(same, sl.name)
				}
			}
			if n.call != "" && dep.call == n.call && len(same) > 0 {
				names = same
			}
			out = append(out, names...)
		}
		return out
	}

	status := model.RunBlocked
	if runDone {
		status = model.RunSkipped
	}
	var out []model.Job
	for _, n := range g.nodes {
		for _, sl := range slotsOf[n] {
			mj := model.Job{Name: sl.name, Status: status}
			if sl.run != nil {
				mj = toJob(sl.run)
			}
			mj.Needs = needsOf(n, sl.name)
			mj.Environment = n.env
			mj.Condition = n.cond
			out = append(out, mj)
		}
	}
	for _, r := range strays {
		out = append(out, toJob(r))
	}
	return out
}

// slot is one run of a node: an API job, or one predicted to come.
type slot struct {
	name string
	run  *github.WorkflowJob // nil: not started
}

// slots lists a node's runs: with a prediction that every run agrees with,
// one slot per predicted name in order; else the runs as they are, or the
// node's name alone while it has none.
func slots(n *node, runs []*github.WorkflowJob) []slot {
	byName := make(map[string]*github.WorkflowJob, len(runs))
	trusted := len(n.names) > 0
	for _, r := range runs {
		byName[r.GetName()] = r
		trusted = trusted && slices.Contains(n.names, r.GetName())
	}
	var out []slot
	switch {
	case trusted:
		for _, name := range n.names {
			out = append(out, slot{name, byName[name]})
		}
	case len(runs) > 0:
		for _, r := range runs {
			out = append(out, slot{r.GetName(), r})
		}
	default:
		out = append(out, slot{name: n.display})
	}
	return out
}

// jobsWithoutGraph is the API's job list as it comes, needing nothing: the
// fallback when the workflow file could not be read.
func jobsWithoutGraph(jobs []*github.WorkflowJob) []model.Job {
	out := make([]model.Job, len(jobs))
	for i, j := range jobs {
		out[i] = toJob(j)
	}
	return out
}

// toJob maps one API job, steps included. It reads through go-github's
// getters, which read a missing field as its zero value, and skips null
// steps.
func toJob(j *github.WorkflowJob) model.Job {
	if j == nil {
		j = &github.WorkflowJob{} // Client.Jobs drops null jobs; this is for callers that did not
	}
	st := jobStatus(j.GetStatus(), j.GetConclusion())
	mj := model.Job{
		ID:        strconv.FormatInt(j.GetID(), 10),
		Name:      j.GetName(),
		Status:    st,
		Needs:     []string{},
		Approval:  j.GetStatus() == "waiting",
		StartedAt: j.GetStartedAt().Time,
		StoppedAt: j.GetCompletedAt().Time,
	}
	for _, s := range j.Steps {
		if s == nil {
			continue
		}
		mj.Steps = append(mj.Steps, model.Step{
			Number: s.GetNumber(), Name: s.GetName(), Status: jobStatus(s.GetStatus(), s.GetConclusion()),
			StartedAt: s.GetStartedAt().Time, StoppedAt: s.GetCompletedAt().Time,
		})
	}
	return mj
}
