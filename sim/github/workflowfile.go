package github

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/goccy/go-yaml"

	"github.com/airside-dev/flightdeck/sim/ci"
)

// The GitHub Actions services' workflow files. Each service's repository
// has .github/workflows/deploy.yml, which builds, tests on a matrix and
// deploys environment by environment, and a reusable
// .github/workflows/ecs-deploy.yml it calls for environments without
// reviewers. The contents API serves the files, and the world runs what
// they say: the job graph of a GitHub Actions run is the parse of the file
// below, expanded as GitHub expands it (matrix legs "test (18)", reusable
// workflow jobs "deploy-staging / deploy"), so a client that reads the file
// and maps the API's job names back to it sees the same graph the world
// follows. deploy-production's if: (the ref is main) always holds: every
// run in the sim is a push to main.

const (
	DeployWorkflowPath = ".github/workflows/deploy.yml"
	ecsDeployPath      = ".github/workflows/ecs-deploy.yml"
	DeployWorkflowFile = "deploy.yml"
)

// deployYAML is deploy.yml. The templates use [[ ]] so that GitHub's own
// ${{ }} expressions stay as they are.
const deployYAML = `# Builds the [[.Service]] image, tests it on two [[.Matrix.Lang]] versions and
# deploys it to ECS environment by environment. Environments with required
# reviewers (Settings → Environments) wait for an approval first.
name: Deploy

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  id-token: write

env:
  REGISTRY: [[.Account]].dkr.ecr.[[.BuildRegion]].amazonaws.com

jobs:
  build:
    name: Build image
    runs-on: ubuntu-latest
    outputs:
      tag: ${{ steps.push.outputs.tag }}
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::[[.Account]]:role/github-actions-[[.Service]]-build
          aws-region: [[.BuildRegion]]
      - uses: aws-actions/amazon-ecr-login@v2
      - name: Build and push
        id: push
        run: |
          tag=[[.TagPrefix]]${GITHUB_SHA::7}
          docker build [[if .Labelled]]--label org.opencontainers.image.revision="$GITHUB_SHA" [[end]]-t "$REGISTRY/[[.Service]]:$tag" .
          docker push "$REGISTRY/[[.Service]]:$tag"
          echo "tag=$tag" >> "$GITHUB_OUTPUT"

  test:
    needs: build
    runs-on: ubuntu-latest
    strategy:
      matrix:
        [[.Matrix.Key]]: [[.Matrix.Values]]
    steps:
      - uses: actions/checkout@v4
      - uses: [[.Matrix.Setup]]
        with:
          [[.Matrix.Input]]: ${{ matrix.[[.Matrix.Key]] }}
      - run: [[.Matrix.Install]]
      - run: [[.Matrix.Test]]
[[range .Envs]]
  deploy-[[.Name]]:
    needs: [[.Needs]]
[[- if .Protected]]
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    environment:
      name: [[.Name]]
      url: https://[[$.Service]].acme.example
    concurrency:
      group: [[$.Service]]-[[.Name]]
      cancel-in-progress: false
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::[[$.Account]]:role/github-actions-[[$.Service]]-[[.Name]]
          aws-region: [[.Region]]
      - name: Deploy to ECS
        run: ./scripts/ecs-deploy.sh --cluster [[.Cluster]] --service [[$.Service]] --tag "${{ needs.build.outputs.tag }}" --wait
[[- else]]
    uses: ./.github/workflows/ecs-deploy.yml
    with:
      environment: [[.Name]]
      region: [[.Region]]
      cluster: [[.Cluster]]
      tag: ${{ needs.build.outputs.tag }}
    secrets: inherit
[[- end]]
[[end]]`

// ecsDeployYAML is the reusable workflow deploy.yml calls.
const ecsDeployYAML = `# Deploys one image tag of [[.Service]] to one ECS environment and waits for
# the service to settle. deploy.yml calls it for each environment.
name: ECS deploy

on:
  workflow_call:
    inputs:
      environment:
        type: string
        required: true
      region:
        type: string
        required: true
      cluster:
        type: string
        required: true
      tag:
        type: string
        required: true

jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: ${{ inputs.environment }}
    concurrency:
      group: [[.Service]]-${{ inputs.environment }}
      cancel-in-progress: false
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::[[.Account]]:role/github-actions-[[.Service]]-${{ inputs.environment }}
          aws-region: ${{ inputs.region }}
      - name: Render the task definition
        id: render
        uses: aws-actions/amazon-ecs-render-task-definition@v1
        with:
          task-definition: .aws/task-definition-${{ inputs.environment }}.json
          container-name: [[.Service]]
          image: [[.Account]].dkr.ecr.${{ inputs.region }}.amazonaws.com/[[.Service]]:${{ inputs.tag }}
      - name: Deploy to ECS
        uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: ${{ steps.render.outputs.task-definition }}
          cluster: ${{ inputs.cluster }}
          service: [[.Service]]
          wait-for-service-stability: true
`

// testMatrix is how a service tests: one language, two versions.
type testMatrix struct {
	Lang, Key, Values, Setup, Input, Install, Test string
}

var testMatrices = map[string]testMatrix{
	"web":    {"Node.js", "node", "[18, 20]", "actions/setup-node@v4", "node-version", "npm ci", "npm test"},
	"worker": {"Python", "python", `["3.12", "3.13"]`, "actions/setup-python@v5", "python-version", "pip install -r requirements.txt", "pytest"},
}

var defaultMatrix = testMatrix{"Go", "go", `["1.24", "1.25"]`, "actions/setup-go@v5", "go-version", "go mod download", "go test ./..."}

type workflowEnv struct {
	Name, Cluster, Region, Needs string
	Protected                    bool
}

// file is one file of a service's repository.
type file struct {
	path, name string // name: the file's own name: key
	content    []byte
	blobSHA    string // git's blob id of the content, as the contents API gives it
}

// Files is a service's deploy workflow: its files and the jobs a run
// of it has, in file order.
type Files struct {
	name  string // the file's name: key, the run's name
	files []file
	jobs  []*ci.JobDef
}

// Actions is the job graph of a run of the workflow, for the CI part.
func (gw *Files) Actions() *ci.Actions { return &ci.Actions{Name: gw.name, Jobs: gw.jobs} }

func (gw *Files) file(path string) *file {
	for i := range gw.files {
		if gw.files[i].path == path {
			return &gw.files[i]
		}
	}
	return nil
}

var workflowDelims = [2]string{"[[", "]]"}

// Service is what a service's workflow files say about it: its name, the
// AWS account its images and roles are in, whether its images carry the
// revision label, and its environments in deploy order.
type Service struct {
	Name, Account string
	Labelled      bool
	Envs          []Env
}

// Env is an environment the workflow deploys to.
type Env struct {
	Name, Cluster, Region string
	Protected             bool // has required reviewers
}

// NewFiles writes a service's workflow files and parses them into the
// jobs a run has. The files are the sim's own, so an error is a bug.
func NewFiles(svc Service) *Files {
	m, ok := testMatrices[svc.Name]
	if !ok {
		m = defaultMatrix
	}
	data := struct {
		Service, Account, BuildRegion, TagPrefix string
		Labelled                                 bool
		Matrix                                   testMatrix
		Envs                                     []workflowEnv
	}{Service: svc.Name, Account: svc.Account, BuildRegion: svc.Envs[0].Region, Labelled: svc.Labelled, Matrix: m}
	if !svc.Labelled {
		data.TagPrefix = "sha-"
	}
	prev := "test"
	for _, e := range svc.Envs {
		data.Envs = append(data.Envs, workflowEnv{Name: e.Name, Cluster: e.Cluster, Region: e.Region, Needs: "[build, " + prev + "]", Protected: e.Protected})
		prev = "deploy-" + e.Name
	}
	render := func(text string) []byte {
		var b bytes.Buffer
		t := template.Must(template.New("").Delims(workflowDelims[0], workflowDelims[1]).Parse(text))
		if err := t.Execute(&b, data); err != nil {
			panic(err)
		}
		return b.Bytes()
	}
	gw := &Files{files: []file{
		{path: DeployWorkflowPath, content: render(deployYAML)},
		{path: ecsDeployPath, content: render(ecsDeployYAML)},
	}}
	for i := range gw.files {
		f := &gw.files[i]
		f.blobSHA = gitBlobSHA(f.content)
		var head struct {
			Name string `yaml:"name"`
		}
		if err := yaml.Unmarshal(f.content, &head); err != nil {
			panic(fmt.Sprintf("sim: %s's %s: %v", svc.Name, f.path, err))
		}
		f.name = head.Name
	}
	name, jobs, err := expandWorkflow(gw.files[0].content, func(path string) ([]byte, error) {
		if f := gw.file(path); f != nil {
			return f.content, nil
		}
		return nil, fmt.Errorf("no file %s", path)
	})
	if err != nil {
		panic(fmt.Sprintf("sim: %s's %s: %v", svc.Name, DeployWorkflowPath, err))
	}
	gw.name, gw.jobs = name, jobs
	return gw
}

// gitBlobSHA is git's object id for a file's content.
func gitBlobSHA(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// --- parsing and expansion ---

type yamlWorkflow struct {
	Name string             `yaml:"name"`
	Jobs map[string]yamlJob `yaml:"jobs"`
}

type yamlJob struct {
	Name        string         `yaml:"name"`
	Needs       yamlStrings    `yaml:"needs"`
	If          string         `yaml:"if"`
	Uses        string         `yaml:"uses"`
	With        map[string]any `yaml:"with"`
	Environment yamlEnv        `yaml:"environment"`
	Strategy    struct {
		Matrix yaml.MapSlice `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []struct {
		Name string `yaml:"name"`
		Uses string `yaml:"uses"`
		Run  string `yaml:"run"`
	} `yaml:"steps"`
}

// yamlStrings is needs: one job id or a list of them.
type yamlStrings []string

func (s *yamlStrings) UnmarshalYAML(b []byte) error {
	var one string
	if err := yaml.Unmarshal(b, &one); err == nil {
		*s = yamlStrings{one}
		return nil
	}
	var many []string
	if err := yaml.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// yamlEnv is environment: a name, or {name, url}.
type yamlEnv struct{ Name string }

func (e *yamlEnv) UnmarshalYAML(b []byte) error {
	if err := yaml.Unmarshal(b, &e.Name); err == nil {
		return nil
	}
	var long struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(b, &long); err != nil {
		return err
	}
	e.Name = long.Name
	return nil
}

// parseWorkflow reads a workflow's name and its jobs in file order.
func parseWorkflow(src []byte) (string, []string, map[string]yamlJob, error) {
	var wf yamlWorkflow
	if err := yaml.Unmarshal(src, &wf); err != nil {
		return "", nil, nil, err
	}
	var order struct {
		Jobs yaml.MapSlice `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(src, &order); err != nil {
		return "", nil, nil, err
	}
	var ids []string
	for _, item := range order.Jobs {
		ids = append(ids, fmt.Sprint(item.Key))
	}
	return wf.Name, ids, wf.Jobs, nil
}

var inputExpr = regexp.MustCompile(`\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}`)

// expandWorkflow turns a workflow file into the jobs of a run, named as
// GitHub names them: a job's name: (or its id); a matrix leg adds its
// values in parentheses; a job that calls a reusable workflow becomes that
// workflow's jobs, named "<caller> / <callee>". A job that needs another
// needs every job it became.
func expandWorkflow(src []byte, load func(path string) ([]byte, error)) (string, []*ci.JobDef, error) {
	name, ids, jobs, err := parseWorkflow(src)
	if err != nil {
		return "", nil, err
	}
	var out []*ci.JobDef
	became := map[string][]string{} // job id → API names
	for _, id := range ids {
		y := jobs[id]
		display := y.Name
		if display == "" {
			display = id
		}
		var needs []string
		for _, n := range y.Needs {
			if became[n] == nil {
				return "", nil, fmt.Errorf("job %s needs %s, which is not before it", id, n)
			}
			needs = append(needs, became[n]...)
		}
		if y.Uses != "" {
			raw, err := load(strings.TrimPrefix(y.Uses, "./"))
			if err != nil {
				return "", nil, fmt.Errorf("job %s: %w", id, err)
			}
			_, cids, cjobs, err := parseWorkflow(raw)
			if err != nil {
				return "", nil, fmt.Errorf("%s: %w", y.Uses, err)
			}
			inner := map[string][]string{}
			for _, cid := range cids {
				cj := cjobs[cid]
				cname := cj.Name
				if cname == "" {
					cname = cid
				}
				d := &ci.JobDef{Name: display + " / " + cname, Key: id, Needs: needs, Leg: 0, Legs: 1}
				if len(cj.Needs) > 0 {
					d.Needs = nil
					for _, n := range cj.Needs {
						d.Needs = append(d.Needs, inner[n]...)
					}
				}
				d.Env = inputExpr.ReplaceAllStringFunc(cj.Environment.Name, func(expr string) string {
					return fmt.Sprint(y.With[inputExpr.FindStringSubmatch(expr)[1]])
				})
				d.Steps, d.LongStep = jobSteps(cj)
				inner[cid] = []string{d.Name}
				became[id] = append(became[id], d.Name)
				out = append(out, d)
			}
			continue
		}
		legs := matrixLegs(y.Strategy.Matrix)
		for i, leg := range legs {
			d := &ci.JobDef{Name: display, Key: id, Needs: needs, Env: y.Environment.Name, Leg: i, Legs: len(legs)}
			if leg != "" {
				d.Name += " (" + leg + ")"
			}
			d.Steps, d.LongStep = jobSteps(y)
			became[id] = append(became[id], d.Name)
			out = append(out, d)
		}
	}
	return name, out, nil
}

// matrixLegs lists the matrix's combinations as GitHub writes them after a
// job's name ("18", "3.12, ubuntu-latest"); one empty leg without a matrix.
func matrixLegs(m yaml.MapSlice) []string {
	legs := []string{""}
	for _, item := range m {
		values, ok := item.Value.([]any)
		if !ok {
			continue // include/exclude and expressions are not modelled
		}
		var next []string
		for _, prefix := range legs {
			for _, v := range values {
				if prefix == "" {
					next = append(next, fmt.Sprint(v))
				} else {
					next = append(next, prefix+", "+fmt.Sprint(v))
				}
			}
		}
		legs = next
	}
	return legs
}

// postSteps are the actions that clean up after the job, in a "Post" step.
var postSteps = map[string]bool{
	"actions/checkout": true, "aws-actions/configure-aws-credentials": true,
	"aws-actions/amazon-ecr-login": true, "actions/setup-node": true,
	"actions/setup-python": true, "actions/setup-go": true,
}

// jobSteps lists a job's steps as the jobs API names them: "Set up job",
// each step (its name, else "Run " and its action or first command), the
// post steps of actions that have one (in reverse), "Complete job". long is
// the step that takes the job's time: the last of the file's (the push,
// the test run, the ECS deploy).
func jobSteps(y yamlJob) (steps []string, long int) {
	steps = []string{"Set up job"}
	var post []string
	for _, s := range y.Steps {
		name := s.Name
		switch {
		case name != "":
		case s.Uses != "":
			name = "Run " + s.Uses
		default:
			name = "Run " + strings.SplitN(strings.TrimSpace(s.Run), "\n", 2)[0]
		}
		long = len(steps)
		steps = append(steps, name)
		if action, _, _ := strings.Cut(s.Uses, "@"); postSteps[action] {
			post = append([]string{"Post " + name}, post...)
		}
	}
	return append(append(steps, post...), "Complete job"), long
}
