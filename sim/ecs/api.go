package ecs

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
)

// ECS over awsJson1_1: POST /, X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>,
// lowerCamel JSON both ways, timestamps as epoch seconds, errors as
// X-Amzn-ErrorType + {"__type","message"}.

// TargetPrefix starts the X-Amz-Target of every ECS request; the rest is
// the operation.
const TargetPrefix = "AmazonEC2ContainerServiceV20141113."

type ecsOp func(pt *Part, body []byte) (any, *apiError)

var ecsOps map[string]ecsOp

func init() {
	ecsOps = map[string]ecsOp{
		"CreateCluster":               (*Part).ecsCreateCluster,
		"DescribeClusters":            (*Part).ecsDescribeClusters,
		"ListClusters":                (*Part).ecsListClusters,
		"CreateService":               (*Part).ecsCreateService,
		"DescribeServices":            (*Part).ecsDescribeServices,
		"ListServices":                (*Part).ecsListServices,
		"UpdateService":               (*Part).ecsUpdateService,
		"DeleteService":               (*Part).ecsDeleteService,
		"RegisterTaskDefinition":      (*Part).ecsRegisterTaskDefinition,
		"DescribeTaskDefinition":      (*Part).ecsDescribeTaskDefinition,
		"DeregisterTaskDefinition":    (*Part).ecsDeregisterTaskDefinition,
		"ListTaskDefinitions":         (*Part).ecsListTaskDefinitions,
		"ListTaskDefinitionFamilies":  (*Part).ecsListTaskDefinitionFamilies,
		"ListServiceDeployments":      (*Part).ecsListServiceDeployments,
		"DescribeServiceDeployments":  (*Part).ecsDescribeServiceDeployments,
		"StopServiceDeployment":       (*Part).ecsStopServiceDeployment,
		"DescribeServiceRevisions":    (*Part).ecsDescribeServiceRevisions,
		"ContinueServiceDeployment":   (*Part).ecsContinueServiceDeployment,
		"CreateTaskSet":               (*Part).ecsCreateTaskSet,
		"UpdateServicePrimaryTaskSet": (*Part).ecsUpdateServicePrimaryTaskSet,
		"ListTasks":                   (*Part).ecsListTasks,
		"DescribeTasks":               (*Part).ecsDescribeTasks,
	}
}

// Serve answers one awsJson1_1 request whose target is op. It takes the
// world's lock itself, once the body is read and decoded.
func (pt *Part) Serve(rw http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, 4<<20))
	if err != nil {
		awsproto.WriteJSONError(rw, awsproto.NewError(400, "SerializationException", "could not read request body: "+err.Error()))
		return
	}
	fn, ok := ecsOps[op]
	if !ok {
		awsproto.WriteJSONError(rw, awsproto.NewError(400, "UnknownOperationException", "The operation "+op+" is not supported by the flightdeck sim."))
		return
	}
	out, aerr := fn(pt, body)
	if aerr != nil {
		awsproto.WriteJSONError(rw, aerr)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		awsproto.WriteJSONError(rw, awsproto.NewError(500, "ServerException", "encoding response: "+err.Error()))
		return
	}
	awsproto.WriteJSON(rw, b)
}

// WriteFault answers an injected fault as ECS does.
func (pt *Part) WriteFault(rw http.ResponseWriter, _ *http.Request, op string, kind faultkind.Kind, _ int) {
	switch kind {
	case faultkind.ServerError:
		awsproto.WriteJSONError(rw, awsproto.NewError(500, "ServerException", "Service unavailable (injected by the flightdeck sim)."))
	case faultkind.Throttle:
		awsproto.WriteJSONError(rw, awsproto.NewError(400, "ThrottlingException", "Rate exceeded"))
	case faultkind.Deny:
		awsproto.WriteJSONError(rw, awsproto.NewError(400, "AccessDeniedException",
			"User: arn:aws:sts::"+pt.account+":assumed-role/flightdeck/sim is not authorized to perform: ecs:"+op))
	}
}

// decodeInput reads a JSON object into v. Members v does not declare are
// ignored, as ECS does, but remembered per operation so tests can assert
// that everything the SDK sends is understood.
func (pt *Part) decodeInput(op string, body []byte, v any) *apiError {
	unknown, e := awsproto.DecodeJSON(body, v)
	for _, k := range unknown {
		pt.noteUnknown("ecs:"+op, k)
	}
	return e
}

// --- wire types ---

// epoch is a timestamp on the wire: epoch seconds with milliseconds.
type epoch time.Time

func (e epoch) IsZero() bool { return time.Time(e).IsZero() }

func (e epoch) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(time.Time(e).UnixMilli())/1000, 'f', -1, 64)), nil
}

func (e *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("timestamp must be epoch seconds: %w", err)
	}
	*e = epoch(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}

type jsonFailure struct {
	Arn    string `json:"arn"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

type jsonEvent struct {
	ID        string `json:"id"`
	CreatedAt epoch  `json:"createdAt"`
	Message   string `json:"message"`
}

type jsonDeployment struct {
	ID                 string `json:"id"`
	Status             string `json:"status"`
	TaskDefinition     string `json:"taskDefinition"`
	DesiredCount       int    `json:"desiredCount"`
	PendingCount       int    `json:"pendingCount"`
	RunningCount       int    `json:"runningCount"`
	FailedTasks        int    `json:"failedTasks"`
	CreatedAt          epoch  `json:"createdAt"`
	UpdatedAt          epoch  `json:"updatedAt"`
	LaunchType         string `json:"launchType,omitempty"`
	PlatformVersion    string `json:"platformVersion,omitempty"`
	PlatformFamily     string `json:"platformFamily,omitempty"`
	RolloutState       string `json:"rolloutState"`
	RolloutStateReason string `json:"rolloutStateReason"`
}

type jsonRevisionSummary struct {
	Arn                string   `json:"arn"`
	RequestedTaskCount int      `json:"requestedTaskCount"`
	RunningTaskCount   int      `json:"runningTaskCount"`
	PendingTaskCount   int      `json:"pendingTaskCount"`
	ProdWeight         *float64 `json:"requestedProductionTrafficWeight,omitempty"`
	TestWeight         *float64 `json:"requestedTestTrafficWeight,omitempty"`
}

type jsonController struct {
	Type string `json:"type"`
}

type jsonService struct {
	ServiceArn               string                `json:"serviceArn"`
	ServiceName              string                `json:"serviceName"`
	ClusterArn               string                `json:"clusterArn"`
	LoadBalancers            []any                 `json:"loadBalancers"`
	ServiceRegistries        []any                 `json:"serviceRegistries"`
	Status                   string                `json:"status"`
	DesiredCount             int                   `json:"desiredCount"`
	RunningCount             int                   `json:"runningCount"`
	PendingCount             int                   `json:"pendingCount"`
	LaunchType               string                `json:"launchType,omitempty"`
	PlatformVersion          string                `json:"platformVersion,omitempty"`
	PlatformFamily           string                `json:"platformFamily,omitempty"`
	TaskDefinition           string                `json:"taskDefinition,omitempty"`
	DeploymentConfiguration  map[string]any        `json:"deploymentConfiguration"`
	Deployments              []jsonDeployment      `json:"deployments"`
	Events                   []jsonEvent           `json:"events"`
	CreatedAt                epoch                 `json:"createdAt"`
	CurrentServiceDeployment string                `json:"currentServiceDeployment,omitempty"`
	CurrentServiceRevisions  []jsonRevisionSummary `json:"currentServiceRevisions,omitempty"`
	PlacementConstraints     []any                 `json:"placementConstraints"`
	PlacementStrategy        []any                 `json:"placementStrategy"`
	SchedulingStrategy       string                `json:"schedulingStrategy"`
	DeploymentController     jsonController        `json:"deploymentController"`
	TaskSets                 []jsonTaskSet         `json:"taskSets,omitempty"`
	Tags                     []Tag                 `json:"tags,omitempty"`
	CreatedBy                string                `json:"createdBy,omitempty"`
	EnableECSManagedTags     bool                  `json:"enableECSManagedTags"`
	PropagateTags            string                `json:"propagateTags"`
	EnableExecuteCommand     bool                  `json:"enableExecuteCommand"`
}

type jsonRollback struct {
	Reason             string `json:"reason"`
	StartedAt          epoch  `json:"startedAt"`
	ServiceRevisionArn string `json:"serviceRevisionArn"`
}

type jsonSDBreaker struct {
	Status       string `json:"status"`
	FailureCount int    `json:"failureCount"`
	Threshold    int    `json:"threshold"`
}

type jsonServiceDeployment struct {
	ServiceDeploymentArn     string                `json:"serviceDeploymentArn"`
	ServiceArn               string                `json:"serviceArn"`
	ClusterArn               string                `json:"clusterArn"`
	CreatedAt                epoch                 `json:"createdAt,omitzero"`
	StartedAt                epoch                 `json:"startedAt,omitzero"`
	FinishedAt               epoch                 `json:"finishedAt,omitzero"`
	StoppedAt                epoch                 `json:"stoppedAt,omitzero"`
	UpdatedAt                epoch                 `json:"updatedAt,omitzero"`
	SourceServiceRevisions   []jsonRevisionSummary `json:"sourceServiceRevisions"`
	TargetServiceRevision    *jsonRevisionSummary  `json:"targetServiceRevision,omitempty"`
	Status                   string                `json:"status"`
	StatusReason             string                `json:"statusReason,omitempty"`
	DeploymentConfiguration  map[string]any        `json:"deploymentConfiguration,omitempty"`
	Rollback                 *jsonRollback         `json:"rollback,omitempty"`
	DeploymentCircuitBreaker *jsonSDBreaker        `json:"deploymentCircuitBreaker,omitempty"`
	LifecycleStage           string                `json:"lifecycleStage,omitempty"`
	LifecycleHookDetails     []jsonHookDetail      `json:"lifecycleHookDetails,omitempty"`
}

type jsonServiceDeploymentBrief struct {
	ServiceDeploymentArn     string `json:"serviceDeploymentArn"`
	ServiceArn               string `json:"serviceArn"`
	ClusterArn               string `json:"clusterArn"`
	StartedAt                epoch  `json:"startedAt,omitzero"`
	CreatedAt                epoch  `json:"createdAt,omitzero"`
	FinishedAt               epoch  `json:"finishedAt,omitzero"`
	TargetServiceRevisionArn string `json:"targetServiceRevisionArn,omitempty"`
	Status                   string `json:"status"`
	StatusReason             string `json:"statusReason,omitempty"`
}

type jsonCluster struct {
	ClusterArn                        string `json:"clusterArn"`
	ClusterName                       string `json:"clusterName"`
	Status                            string `json:"status"`
	RegisteredContainerInstancesCount int    `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int    `json:"runningTasksCount"`
	PendingTasksCount                 int    `json:"pendingTasksCount"`
	ActiveServicesCount               int    `json:"activeServicesCount"`
	Statistics                        []any  `json:"statistics"`
	Tags                              []Tag  `json:"tags"`
	Settings                          []any  `json:"settings"`
	CapacityProviders                 []any  `json:"capacityProviders"`
	DefaultCapacityProviderStrategy   []any  `json:"defaultCapacityProviderStrategy"`
}

// --- builders (pt.mu held) ---

func (pt *Part) clusterJSON(c *cluster) jsonCluster {
	out := jsonCluster{
		ClusterArn: c.arn, ClusterName: c.name, Status: statusActive,
		Statistics: []any{}, Tags: c.tags, Settings: []any{map[string]string{"name": "containerInsights", "value": "disabled"}},
		CapacityProviders: []any{"FARGATE", "FARGATE_SPOT"}, DefaultCapacityProviderStrategy: []any{},
	}
	if out.Tags == nil {
		out.Tags = []Tag{}
	}
	for _, name := range c.order {
		s := c.services[name]
		if s.status == statusInactive {
			continue
		}
		out.ActiveServicesCount++
		run, pend := s.counts()
		out.RunningTasksCount += run
		out.PendingTasksCount += pend
	}
	return out
}

func (pt *Part) deployConfigJSON(cfg deployConfig) map[string]any {
	m := map[string]any{}
	for k, v := range cfg.raw {
		m[k] = v
	}
	cb := map[string]any{"enable": cfg.breakerEnable, "rollback": cfg.breakerRollback}
	if cfg.threshold > 0 {
		cb["thresholdConfiguration"] = map[string]any{"type": "COUNT", "value": cfg.threshold}
	}
	m["deploymentCircuitBreaker"] = cb
	m["maximumPercent"] = cfg.maxPercent
	m["minimumHealthyPercent"] = cfg.minHealthy
	m["strategy"] = cfg.strategy
	if cfg.bakeTime != nil {
		m["bakeTimeInMinutes"] = *cfg.bakeTime
	}
	return m
}

func (pt *Part) revisionSummary(r *serviceRevision) jsonRevisionSummary {
	out := jsonRevisionSummary{Arn: r.arn}
	for _, d := range r.svc.deployments {
		if d.rev != r {
			continue
		}
		out.RequestedTaskCount += d.desired
		out.RunningTaskCount += len(d.running)
		if d.pending != "" {
			out.PendingTaskCount++
		}
	}
	return out
}

func (pt *Part) serviceJSON(s *service, withTags bool) jsonService {
	run, pend := s.counts()
	out := jsonService{
		ServiceArn: s.arn, ServiceName: s.name, ClusterArn: s.cl.arn,
		LoadBalancers: pt.loadBalancersJSON(s), ServiceRegistries: []any{},
		Status: s.status, DesiredCount: s.desired, RunningCount: run, PendingCount: pend,
		LaunchType: s.launchType, PlatformVersion: "LATEST", PlatformFamily: "Linux",
		DeploymentConfiguration: pt.deployConfigJSON(s.cfg),
		Deployments:             []jsonDeployment{},
		Events:                  []jsonEvent{},
		CreatedAt:               epoch(s.createdAt),
		PlacementConstraints:    []any{}, PlacementStrategy: []any{},
		SchedulingStrategy:   "REPLICA",
		DeploymentController: jsonController{Type: s.controller},
		CreatedBy:            s.createdBy,
		PropagateTags:        "NONE",
	}
	if withTags {
		out.Tags = s.tags
	}
	if p := s.primary(); p != nil {
		out.TaskDefinition = p.td.arn
	}
	if s.taskSetService() {
		// The service's task definition is its PRIMARY task set's; an
		// EXTERNAL service with none names none.
		out.TaskSets = []jsonTaskSet{}
		for _, ts := range s.taskSets {
			out.TaskSets = append(out.TaskSets, pt.taskSetJSON(s, ts))
		}
		if p := s.primaryTaskSet(); p != nil {
			out.TaskDefinition = p.td.arn
		}
	}
	seen := map[*serviceRevision]bool{}
	for _, d := range s.deployments {
		pending := 0
		if d.pending != "" {
			pending = 1
		}
		out.Deployments = append(out.Deployments, jsonDeployment{
			ID: d.id, Status: d.status, TaskDefinition: d.td.arn,
			DesiredCount: d.desired, PendingCount: pending, RunningCount: len(d.running), FailedTasks: d.failed,
			CreatedAt: epoch(d.createdAt), UpdatedAt: epoch(d.updatedAt),
			LaunchType: s.launchType, PlatformVersion: "1.4.0", PlatformFamily: "Linux",
			RolloutState: d.rollout, RolloutStateReason: d.reason,
		})
		if !seen[d.rev] {
			seen[d.rev] = true
			out.CurrentServiceRevisions = append(out.CurrentServiceRevisions, pt.revisionSummary(d.rev))
		}
	}
	for i := len(s.events) - 1; i >= 0; i-- {
		e := s.events[i]
		out.Events = append(out.Events, jsonEvent{ID: e.id, CreatedAt: epoch(e.at), Message: e.msg})
	}
	if n := len(s.sds); n > 0 {
		out.CurrentServiceDeployment = s.sds[n-1].arn
	}
	return out
}

func (pt *Part) sdJSON(sd *serviceDeployment) jsonServiceDeployment {
	s := sd.svc
	out := jsonServiceDeployment{
		ServiceDeploymentArn: sd.arn, ServiceArn: s.arn, ClusterArn: s.cl.arn,
		CreatedAt: epoch(sd.createdAt), StartedAt: epoch(sd.startedAt), FinishedAt: epoch(sd.finishedAt),
		StoppedAt: epoch(sd.stoppedAt), UpdatedAt: epoch(sd.updatedAt),
		SourceServiceRevisions:  []jsonRevisionSummary{},
		Status:                  sd.status,
		StatusReason:            sd.statusReason,
		DeploymentConfiguration: pt.deployConfigJSON(sd.cfg),
		DeploymentCircuitBreaker: &jsonSDBreaker{
			Status: sd.cbStatus, FailureCount: sd.failures, Threshold: sd.threshold,
		},
	}
	for _, r := range sd.sources {
		out.SourceServiceRevisions = append(out.SourceServiceRevisions, pt.revisionSummary(r))
	}
	t := pt.revisionSummary(sd.target)
	out.TargetServiceRevision = &t
	if rb := sd.rollback; rb != nil {
		out.Rollback = &jsonRollback{Reason: rb.reason, StartedAt: epoch(rb.at), ServiceRevisionArn: rb.rev.arn}
	}
	pt.nativeJSON(sd, &out)
	return out
}

func (pt *Part) taskDefJSON(td *taskDef) map[string]any {
	m := map[string]any{}
	for k, v := range td.fields {
		m[k] = v
	}
	m["family"] = td.family
	m["taskDefinitionArn"] = td.arn
	m["revision"] = td.revision
	m["status"] = td.status
	m["registeredAt"] = epoch(td.registeredAt)
	m["registeredBy"] = td.registeredBy
	if !td.deregistered.IsZero() {
		m["deregisteredAt"] = epoch(td.deregistered)
	}
	compat := []string{"EC2"}
	var req []string
	if raw, ok := td.fields["requiresCompatibilities"]; ok && json.Unmarshal(raw, &req) == nil && slices.Contains(req, "FARGATE") {
		compat = append(compat, "FARGATE")
	}
	m["compatibilities"] = compat
	if _, ok := m["volumes"]; !ok {
		m["volumes"] = []any{}
	}
	if _, ok := m["placementConstraints"]; !ok {
		m["placementConstraints"] = []any{}
	}
	return m
}

// --- deployment configuration from a request ---

func parseDeployConfig(raw json.RawMessage, base deployConfig) (deployConfig, *apiError) {
	cfg := base
	cfg.raw = map[string]json.RawMessage{}
	for k, v := range base.raw {
		cfg.raw[k] = v
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return cfg, awsproto.NewError(400, "SerializationException", "deploymentConfiguration: "+err.Error())
	}
	for k, v := range members {
		var err error
		switch k {
		case "deploymentCircuitBreaker":
			var cb struct {
				Enable                 bool `json:"enable"`
				Rollback               bool `json:"rollback"`
				ThresholdConfiguration *struct {
					Type  string `json:"type"`
					Value int    `json:"value"`
				} `json:"thresholdConfiguration"`
			}
			if err = json.Unmarshal(v, &cb); err == nil {
				cfg.breakerEnable, cfg.breakerRollback, cfg.threshold = cb.Enable, cb.Rollback, 0
				if tc := cb.ThresholdConfiguration; tc != nil && tc.Value > 0 {
					switch tc.Type {
					case "COUNT", "":
						cfg.threshold = tc.Value
					default:
						return cfg, errInvalid("The flightdeck sim supports only COUNT circuit breaker thresholds, not %s.", tc.Type)
					}
				}
			}
		case "maximumPercent":
			err = json.Unmarshal(v, &cfg.maxPercent)
		case "minimumHealthyPercent":
			err = json.Unmarshal(v, &cfg.minHealthy)
		case "strategy":
			err = json.Unmarshal(v, &cfg.strategy)
		case "bakeTimeInMinutes":
			var n int
			if err = json.Unmarshal(v, &n); err == nil {
				cfg.bakeTime = &n
			}
		case "canaryConfiguration", "linearConfiguration", "lifecycleHooks":
			cfg.raw[k] = v
			err = cfg.parseNative(k, v)
		default:
			cfg.raw[k] = v
		}
		if err != nil {
			return cfg, awsproto.NewError(400, "SerializationException", "deploymentConfiguration."+k+": "+err.Error())
		}
	}
	return cfg, validateNative(cfg)
}

// defaultDeployConfig is what ECS gives a service created without one: a
// rolling update with no circuit breaker.
func defaultDeployConfig() deployConfig {
	return deployConfig{maxPercent: 200, minHealthy: 100, strategy: "ROLLING"}
}

// --- paging ---

func encodeToken(kind string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(offset)))
}

func decodeToken(kind, tok string) (int, *apiError) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	k, n, ok := strings.Cut(string(b), ":")
	off, aerr := strconv.Atoi(n)
	if err != nil || !ok || k != kind || aerr != nil || off < 0 {
		return 0, errInvalid("Invalid nextToken.")
	}
	return off, nil
}

func pageLimit(max *int, def, hi int) (int, *apiError) {
	if max == nil {
		return def, nil
	}
	if *max < 1 || *max > hi {
		return 0, errInvalid("maxResults must be between 1 and %d.", hi)
	}
	return *max, nil
}

// page cuts items[off:off+limit] and the token for the rest.
func page[T any](items []T, kind string, off, limit int) ([]T, string) {
	if off > len(items) {
		off = len(items)
	}
	end := min(off+limit, len(items))
	next := ""
	if end < len(items) {
		next = encodeToken(kind, end)
	}
	out := items[off:end]
	if out == nil {
		out = []T{}
	}
	return out, next
}

// --- operations ---

func (pt *Part) ecsCreateCluster(body []byte) (any, *apiError) {
	var in struct {
		ClusterName                     string          `json:"clusterName"`
		Tags                            []Tag           `json:"tags"`
		Settings                        json.RawMessage `json:"settings"`
		Configuration                   json.RawMessage `json:"configuration"`
		CapacityProviders               json.RawMessage `json:"capacityProviders"`
		DefaultCapacityProviderStrategy json.RawMessage `json:"defaultCapacityProviderStrategy"`
		ServiceConnectDefaults          json.RawMessage `json:"serviceConnectDefaults"`
	}
	if e := pt.decodeInput("CreateCluster", body, &in); e != nil {
		return nil, e
	}
	if in.ClusterName == "" {
		in.ClusterName = "default"
	}
	if !validName(in.ClusterName) {
		return nil, errInvalid("Cluster name can have up to 255 letters, numbers, hyphens and underscores.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c := pt.addCluster(in.ClusterName, DefaultRegion)
	if in.Tags != nil {
		c.tags = in.Tags
	}
	return map[string]any{"cluster": pt.clusterJSON(c)}, nil
}

// validName says whether s is an ECS name: 1 to 255 letters, digits,
// hyphens and underscores. A loop, not a regexp: `[…]{1,255}` compiles to
// 255 copies of the class, 4 ms of every flightdeck start, --help included.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (pt *Part) ecsDescribeClusters(body []byte) (any, *apiError) {
	var in struct {
		Clusters []string `json:"clusters"`
		Include  []string `json:"include"`
	}
	if e := pt.decodeInput("DescribeClusters", body, &in); e != nil {
		return nil, e
	}
	if len(in.Clusters) == 0 {
		in.Clusters = []string{"default"}
	}
	if len(in.Clusters) > 100 {
		return nil, errInvalid("clusters can have at most 100 items.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	out := struct {
		Clusters []jsonCluster `json:"clusters"`
		Failures []jsonFailure `json:"failures"`
	}{Clusters: []jsonCluster{}, Failures: []jsonFailure{}}
	for _, ref := range in.Clusters {
		c, ok := pt.clusters[lastSegment(ref)]
		if !ok {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = pt.arn(DefaultRegion, "cluster/"+ref)
			}
			out.Failures = append(out.Failures, jsonFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.Clusters = append(out.Clusters, pt.clusterJSON(c))
	}
	return out, nil
}

func (pt *Part) ecsListClusters(body []byte) (any, *apiError) {
	var in struct {
		NextToken  string `json:"nextToken"`
		MaxResults *int   `json:"maxResults"`
	}
	if e := pt.decodeInput("ListClusters", body, &in); e != nil {
		return nil, e
	}
	limit, e := pageLimit(in.MaxResults, 100, 100)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken("clusters", in.NextToken)
	if e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	var arns []string
	for _, n := range pt.clOrder {
		arns = append(arns, pt.clusters[n].arn)
	}
	items, next := page(arns, "clusters", off, limit)
	return map[string]any{"clusterArns": items, "nextToken": nullable(next)}, nil
}

// nullable turns an empty token into a JSON null, as AWS sends it.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// serviceInput holds the members of CreateService and UpdateService that
// the sim accepts without acting on them.
type serviceInput struct {
	CapacityProviderStrategy      json.RawMessage `json:"capacityProviderStrategy"`
	AvailabilityZoneRebalancing   json.RawMessage `json:"availabilityZoneRebalancing"`
	NetworkConfiguration          json.RawMessage `json:"networkConfiguration"`
	PlacementConstraints          json.RawMessage `json:"placementConstraints"`
	PlacementStrategy             json.RawMessage `json:"placementStrategy"`
	PlatformVersion               json.RawMessage `json:"platformVersion"`
	HealthCheckGracePeriodSeconds json.RawMessage `json:"healthCheckGracePeriodSeconds"`
	DeploymentController          json.RawMessage `json:"deploymentController"`
	EnableExecuteCommand          json.RawMessage `json:"enableExecuteCommand"`
	EnableECSManagedTags          json.RawMessage `json:"enableECSManagedTags"`
	LoadBalancers                 json.RawMessage `json:"loadBalancers"`
	PropagateTags                 json.RawMessage `json:"propagateTags"`
	ServiceRegistries             json.RawMessage `json:"serviceRegistries"`
	ServiceConnectConfiguration   json.RawMessage `json:"serviceConnectConfiguration"`
	VolumeConfigurations          json.RawMessage `json:"volumeConfigurations"`
	VpcLatticeConfigurations      json.RawMessage `json:"vpcLatticeConfigurations"`
	GatewayConnectors             json.RawMessage `json:"gatewayConnectors"`
	Monitoring                    json.RawMessage `json:"monitoring"`
}

func (pt *Part) ecsCreateService(body []byte) (any, *apiError) {
	var in struct {
		Cluster                 string          `json:"cluster"`
		ServiceName             string          `json:"serviceName"`
		TaskDefinition          string          `json:"taskDefinition"`
		DesiredCount            *int            `json:"desiredCount"`
		DeploymentConfiguration json.RawMessage `json:"deploymentConfiguration"`
		Tags                    []Tag           `json:"tags"`
		LaunchType              string          `json:"launchType"`
		ClientToken             string          `json:"clientToken"`
		Role                    json.RawMessage `json:"role"`
		SchedulingStrategy      string          `json:"schedulingStrategy"`
		serviceInput
	}
	if e := pt.decodeInput("CreateService", body, &in); e != nil {
		return nil, e
	}
	if in.ServiceName == "" {
		return nil, errInvalid("serviceName must be specified.")
	}
	if !validName(in.ServiceName) {
		return nil, errInvalid("Service name can have up to 255 letters, numbers, hyphens and underscores.")
	}
	controller, e := parseController(in.DeploymentController)
	if e != nil {
		return nil, e
	}
	if in.TaskDefinition == "" && controller != controllerExternal {
		return nil, errInvalid("TaskDefinition must be specified for a service that uses the %s deployment controller.", controller)
	}
	if in.SchedulingStrategy != "" && in.SchedulingStrategy != "REPLICA" {
		return nil, errInvalid("The flightdeck sim supports only the REPLICA scheduling strategy.")
	}
	if in.DesiredCount == nil {
		return nil, errInvalid("desiredCount must be specified for a service with the REPLICA scheduling strategy.")
	}
	if *in.DesiredCount < 0 {
		return nil, errInvalid("desiredCount can't be negative.")
	}
	cfg := defaultDeployConfig()
	if len(in.DeploymentConfiguration) > 0 {
		var e *apiError
		if cfg, e = parseDeployConfig(in.DeploymentConfiguration, cfg); e != nil {
			return nil, e
		}
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	if old := c.services[in.ServiceName]; old != nil && old.status != statusInactive {
		return nil, errInvalid("Creation of service was not idempotent.")
	}
	var td *taskDef
	if in.TaskDefinition != "" {
		if td = pt.findTaskDef(in.TaskDefinition); td == nil {
			return nil, errClient("TaskDefinition not found.")
		}
		if td.status != statusActive {
			return nil, errClient("TaskDefinition is inactive")
		}
	}
	s := pt.createService(c, in.ServiceName, td, *in.DesiredCount, cfg, in.Tags, controller, nil)
	pt.setLoadBalancers(s, parseLoadBalancers(in.LoadBalancers))
	if in.LaunchType != "" {
		s.launchType = in.LaunchType
	}
	return map[string]any{"service": pt.serviceJSON(s, true)}, nil
}

func (pt *Part) ecsDescribeServices(body []byte) (any, *apiError) {
	var in struct {
		Cluster  string   `json:"cluster"`
		Services []string `json:"services"`
		Include  []string `json:"include"`
	}
	if e := pt.decodeInput("DescribeServices", body, &in); e != nil {
		return nil, e
	}
	if len(in.Services) == 0 {
		return nil, errInvalid("Services cannot be empty.")
	}
	if len(in.Services) > 10 {
		return nil, errInvalid("services can have at most 10 items.")
	}
	withTags := false
	for _, inc := range in.Include {
		if inc != "TAGS" {
			return nil, errInvalid("include: %q is not a valid value; valid values are TAGS.", inc)
		}
		withTags = true
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	out := struct {
		Services []jsonService `json:"services"`
		Failures []jsonFailure `json:"failures"`
	}{Services: []jsonService{}, Failures: []jsonFailure{}}
	for _, ref := range in.Services {
		s := c.service(ref)
		if s == nil {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = pt.arn(c.region, "service/"+c.name+"/"+ref)
			}
			out.Failures = append(out.Failures, jsonFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.Services = append(out.Services, pt.serviceJSON(s, withTags))
	}
	return out, nil
}

func (pt *Part) ecsListServices(body []byte) (any, *apiError) {
	var in struct {
		Cluster                string `json:"cluster"`
		NextToken              string `json:"nextToken"`
		MaxResults             *int   `json:"maxResults"`
		LaunchType             string `json:"launchType"`
		SchedulingStrategy     string `json:"schedulingStrategy"`
		ResourceManagementType string `json:"resourceManagementType"`
	}
	if e := pt.decodeInput("ListServices", body, &in); e != nil {
		return nil, e
	}
	limit, e := pageLimit(in.MaxResults, 10, 100)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken("services", in.NextToken)
	if e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	arns := []string{}
	for _, n := range c.order {
		s := c.services[n]
		if s.status == statusInactive || (in.LaunchType != "" && in.LaunchType != s.launchType) {
			continue
		}
		if in.SchedulingStrategy != "" && in.SchedulingStrategy != "REPLICA" {
			continue
		}
		arns = append(arns, s.arn)
	}
	items, next := page(arns, "services", off, limit)
	return map[string]any{"serviceArns": items, "nextToken": nullable(next)}, nil
}

func (pt *Part) ecsUpdateService(body []byte) (any, *apiError) {
	var in struct {
		Cluster                 string          `json:"cluster"`
		Service                 string          `json:"service"`
		TaskDefinition          string          `json:"taskDefinition"`
		DesiredCount            *int            `json:"desiredCount"`
		ForceNewDeployment      bool            `json:"forceNewDeployment"`
		DeploymentConfiguration json.RawMessage `json:"deploymentConfiguration"`
		serviceInput
	}
	if e := pt.decodeInput("UpdateService", body, &in); e != nil {
		return nil, e
	}
	if in.Service == "" {
		return nil, errInvalid("service must be specified.")
	}
	if in.DesiredCount != nil && *in.DesiredCount < 0 {
		return nil, errInvalid("desiredCount can't be negative.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	s := c.service(in.Service)
	if s == nil {
		return nil, errServiceNotFound()
	}
	if s.status != statusActive {
		return nil, errServiceNotActive()
	}
	if s.taskSetService() {
		return pt.updateTaskSetService(s, in.TaskDefinition, in.ForceNewDeployment, in.DesiredCount)
	}
	var cfg *deployConfig
	if len(in.DeploymentConfiguration) > 0 {
		nc, e := parseDeployConfig(in.DeploymentConfiguration, s.cfg)
		if e != nil {
			return nil, e
		}
		cfg = &nc
	}
	var td *taskDef
	if in.TaskDefinition != "" {
		if td = pt.findTaskDef(in.TaskDefinition); td == nil {
			return nil, errClient("TaskDefinition not found.")
		}
		if td.status != statusActive {
			return nil, errClient("TaskDefinition is inactive")
		}
	}
	pt.updateService(s, td, in.DesiredCount, in.ForceNewDeployment, cfg)
	return map[string]any{"service": pt.serviceJSON(s, false)}, nil
}

func (pt *Part) ecsDeleteService(body []byte) (any, *apiError) {
	var in struct {
		Cluster string `json:"cluster"`
		Service string `json:"service"`
		Force   *bool  `json:"force"`
	}
	if e := pt.decodeInput("DeleteService", body, &in); e != nil {
		return nil, e
	}
	if in.Service == "" {
		return nil, errInvalid("service must be specified.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	s := c.service(in.Service)
	if s == nil {
		return nil, errServiceNotFound()
	}
	if s.status != statusActive {
		return nil, errServiceNotActive()
	}
	if s.desired > 0 && (in.Force == nil || !*in.Force) {
		return nil, errInvalid("The service cannot be stopped while it is scaled above 0.")
	}
	pt.deleteService(s)
	return map[string]any{"service": pt.serviceJSON(s, false)}, nil
}

// registerInput lists every RegisterTaskDefinition member; all but tags are
// echoed back in the task definition.
type registerInput struct {
	Family                  string          `json:"family"`
	ContainerDefinitions    []Container     `json:"containerDefinitions"`
	Tags                    []Tag           `json:"tags"`
	TaskRoleArn             json.RawMessage `json:"taskRoleArn"`
	ExecutionRoleArn        json.RawMessage `json:"executionRoleArn"`
	NetworkMode             json.RawMessage `json:"networkMode"`
	Volumes                 json.RawMessage `json:"volumes"`
	PlacementConstraints    json.RawMessage `json:"placementConstraints"`
	RequiresCompatibilities json.RawMessage `json:"requiresCompatibilities"`
	CPU                     json.RawMessage `json:"cpu"`
	Memory                  json.RawMessage `json:"memory"`
	PidMode                 json.RawMessage `json:"pidMode"`
	IpcMode                 json.RawMessage `json:"ipcMode"`
	ProxyConfiguration      json.RawMessage `json:"proxyConfiguration"`
	InferenceAccelerators   json.RawMessage `json:"inferenceAccelerators"`
	EphemeralStorage        json.RawMessage `json:"ephemeralStorage"`
	RuntimePlatform         json.RawMessage `json:"runtimePlatform"`
	EnableFaultInjection    json.RawMessage `json:"enableFaultInjection"`
}

func (pt *Part) ecsRegisterTaskDefinition(body []byte) (any, *apiError) {
	var in registerInput
	if e := pt.decodeInput("RegisterTaskDefinition", body, &in); e != nil {
		return nil, e
	}
	if in.Family == "" {
		return nil, errClient("Family must be specified.")
	}
	if !validName(in.Family) {
		return nil, errClient("Family contains invalid characters; up to 255 letters, numbers, hyphens and underscores are allowed.")
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, errClient("Container list cannot be empty.")
	}
	for _, c := range in.ContainerDefinitions {
		if c.Name == "" {
			return nil, errClient("Container.name should not be null or empty.")
		}
		if c.Image == "" {
			return nil, errClient("Container.image should not be null or empty.")
		}
	}
	var fields map[string]json.RawMessage
	json.Unmarshal(body, &fields)
	delete(fields, "tags")
	known := awsproto.Members(&in)
	for k := range fields {
		if !known[k] {
			delete(fields, k)
		}
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	td := pt.registerTaskDef(in.Family, DefaultRegion, fields, in.ContainerDefinitions, in.Tags)
	return map[string]any{"taskDefinition": pt.taskDefJSON(td), "tags": tagsOrEmpty(td.tags)}, nil
}

func tagsOrEmpty(t []Tag) []Tag {
	if t == nil {
		return []Tag{}
	}
	return t
}

func (pt *Part) ecsDescribeTaskDefinition(body []byte) (any, *apiError) {
	var in struct {
		TaskDefinition string   `json:"taskDefinition"`
		Include        []string `json:"include"`
	}
	if e := pt.decodeInput("DescribeTaskDefinition", body, &in); e != nil {
		return nil, e
	}
	if in.TaskDefinition == "" {
		return nil, errClient("Unable to describe task definition.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	td := pt.findTaskDef(in.TaskDefinition)
	if td == nil {
		return nil, errClient("Unable to describe task definition.")
	}
	out := map[string]any{"taskDefinition": pt.taskDefJSON(td)}
	if slices.Contains(in.Include, "TAGS") {
		out["tags"] = tagsOrEmpty(td.tags)
	}
	return out, nil
}

func (pt *Part) ecsDeregisterTaskDefinition(body []byte) (any, *apiError) {
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if e := pt.decodeInput("DeregisterTaskDefinition", body, &in); e != nil {
		return nil, e
	}
	if in.TaskDefinition == "" {
		return nil, errClient("Unable to describe task definition.")
	}
	ref := in.TaskDefinition
	if i := strings.Index(ref, ":task-definition/"); i >= 0 {
		ref = ref[i+len(":task-definition/"):]
	}
	_, rev, ok := strings.Cut(ref, ":")
	if !ok {
		return nil, errClient("Revision is missing.")
	}
	if _, err := strconv.Atoi(rev); err != nil {
		return nil, errInvalid("Invalid revision number. Number: %s", rev)
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	td := pt.findTaskDef(ref)
	if td == nil {
		return nil, errClient("Unable to describe task definition.")
	}
	pt.deregisterTaskDef(td)
	return map[string]any{"taskDefinition": pt.taskDefJSON(td)}, nil
}

func (pt *Part) ecsListTaskDefinitions(body []byte) (any, *apiError) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		Sort         string `json:"sort"`
		NextToken    string `json:"nextToken"`
		MaxResults   *int   `json:"maxResults"`
	}
	if e := pt.decodeInput("ListTaskDefinitions", body, &in); e != nil {
		return nil, e
	}
	switch in.Status {
	case "":
		in.Status = statusActive
	case statusActive, statusInactive, "DELETE_IN_PROGRESS":
	default:
		return nil, errInvalid("status %q is not valid; valid values are ACTIVE, INACTIVE and DELETE_IN_PROGRESS.", in.Status)
	}
	switch in.Sort {
	case "", "ASC", "DESC":
	default:
		return nil, errInvalid("sort %q is not valid; valid values are ASC and DESC.", in.Sort)
	}
	limit, e := pageLimit(in.MaxResults, 100, 100)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken("taskdefs", in.NextToken)
	if e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	arns := []string{}
	for _, name := range pt.sortedFamilies() {
		if in.FamilyPrefix != "" && name != in.FamilyPrefix {
			continue
		}
		for _, td := range pt.families[name].revs {
			if td.status == in.Status {
				arns = append(arns, td.arn)
			}
		}
	}
	if in.Sort == "DESC" {
		slices.Reverse(arns)
	}
	items, next := page(arns, "taskdefs", off, limit)
	return map[string]any{"taskDefinitionArns": items, "nextToken": nullable(next)}, nil
}

func (pt *Part) ecsListTaskDefinitionFamilies(body []byte) (any, *apiError) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		NextToken    string `json:"nextToken"`
		MaxResults   *int   `json:"maxResults"`
	}
	if e := pt.decodeInput("ListTaskDefinitionFamilies", body, &in); e != nil {
		return nil, e
	}
	switch in.Status {
	case "":
		in.Status = statusActive
	case statusActive, statusInactive, "ALL":
	default:
		return nil, errInvalid("status %q is not valid; valid values are ACTIVE, INACTIVE and ALL.", in.Status)
	}
	limit, e := pageLimit(in.MaxResults, 100, 100)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken("families", in.NextToken)
	if e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	names := []string{}
	for _, name := range pt.sortedFamilies() {
		if !strings.HasPrefix(name, in.FamilyPrefix) {
			continue
		}
		active := slices.ContainsFunc(pt.families[name].revs, func(td *taskDef) bool { return td.status == statusActive })
		if in.Status == "ALL" || (in.Status == statusActive) == active {
			names = append(names, name)
		}
	}
	items, next := page(names, "families", off, limit)
	return map[string]any{"families": items, "nextToken": nullable(next)}, nil
}

var sdStatuses = []string{sdPending, sdSuccessful, sdStopped, sdStopRequested, sdInProgress,
	sdRollbackRequested, sdRollbackInProgress, sdRollbackSuccessful, sdRollbackFailed}

func (pt *Part) ecsListServiceDeployments(body []byte) (any, *apiError) {
	var in struct {
		Service   string   `json:"service"`
		Cluster   string   `json:"cluster"`
		Status    []string `json:"status"`
		CreatedAt *struct {
			Before *epoch `json:"before"`
			After  *epoch `json:"after"`
		} `json:"createdAt"`
		NextToken  string `json:"nextToken"`
		MaxResults *int   `json:"maxResults"`
	}
	if e := pt.decodeInput("ListServiceDeployments", body, &in); e != nil {
		return nil, e
	}
	if in.Service == "" {
		return nil, errInvalid("service must be specified.")
	}
	for _, st := range in.Status {
		if !slices.Contains(sdStatuses, st) {
			return nil, errInvalid("status %q is not a valid service deployment status.", st)
		}
	}
	limit, e := pageLimit(in.MaxResults, 20, 100)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken("servicedeployments", in.NextToken)
	if e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	s := c.service(in.Service)
	if s == nil {
		return nil, errServiceNotFound()
	}
	briefs := []jsonServiceDeploymentBrief{}
	for i := len(s.sds) - 1; i >= 0; i-- {
		sd := s.sds[i]
		if len(in.Status) > 0 && !slices.Contains(in.Status, sd.status) {
			continue
		}
		if ca := in.CreatedAt; ca != nil {
			if ca.After != nil && sd.createdAt.Before(time.Time(*ca.After)) {
				continue
			}
			if ca.Before != nil && sd.createdAt.After(time.Time(*ca.Before)) {
				continue
			}
		}
		briefs = append(briefs, jsonServiceDeploymentBrief{
			ServiceDeploymentArn: sd.arn, ServiceArn: s.arn, ClusterArn: s.cl.arn,
			StartedAt: epoch(sd.startedAt), CreatedAt: epoch(sd.createdAt), FinishedAt: epoch(sd.finishedAt),
			TargetServiceRevisionArn: sd.target.arn, Status: sd.status, StatusReason: sd.statusReason,
		})
	}
	items, next := page(briefs, "servicedeployments", off, limit)
	return map[string]any{"serviceDeployments": items, "nextToken": nullable(next)}, nil
}

func (pt *Part) ecsDescribeServiceDeployments(body []byte) (any, *apiError) {
	var in struct {
		ServiceDeploymentArns []string `json:"serviceDeploymentArns"`
	}
	if e := pt.decodeInput("DescribeServiceDeployments", body, &in); e != nil {
		return nil, e
	}
	if len(in.ServiceDeploymentArns) == 0 {
		return nil, errInvalid("serviceDeploymentArns must be specified.")
	}
	if len(in.ServiceDeploymentArns) > 20 {
		return nil, errInvalid("serviceDeploymentArns can have at most 20 items.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	out := struct {
		ServiceDeployments []jsonServiceDeployment `json:"serviceDeployments"`
		Failures           []jsonFailure           `json:"failures"`
	}{ServiceDeployments: []jsonServiceDeployment{}, Failures: []jsonFailure{}}
	for _, arn := range in.ServiceDeploymentArns {
		sd, ok := pt.sds[arn]
		if !ok {
			out.Failures = append(out.Failures, jsonFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.ServiceDeployments = append(out.ServiceDeployments, pt.sdJSON(sd))
	}
	return out, nil
}

func (pt *Part) ecsStopServiceDeployment(body []byte) (any, *apiError) {
	var in struct {
		ServiceDeploymentArn string `json:"serviceDeploymentArn"`
		StopType             string `json:"stopType"`
	}
	if e := pt.decodeInput("StopServiceDeployment", body, &in); e != nil {
		return nil, e
	}
	if in.ServiceDeploymentArn == "" {
		return nil, errInvalid("serviceDeploymentArn must be specified.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	sd, ok := pt.sds[in.ServiceDeploymentArn]
	if !ok {
		return nil, awsproto.NewError(400, "ServiceDeploymentNotFoundException", "The service deployment "+in.ServiceDeploymentArn+" does not exist.")
	}
	if e := pt.stopServiceDeployment(sd, in.StopType); e != nil {
		return nil, e
	}
	return map[string]any{"serviceDeploymentArn": sd.arn}, nil
}

func (pt *Part) ecsDescribeServiceRevisions(body []byte) (any, *apiError) {
	var in struct {
		ServiceRevisionArns []string `json:"serviceRevisionArns"`
	}
	if e := pt.decodeInput("DescribeServiceRevisions", body, &in); e != nil {
		return nil, e
	}
	if len(in.ServiceRevisionArns) == 0 {
		return nil, errInvalid("serviceRevisionArns must be specified.")
	}
	if len(in.ServiceRevisionArns) > 20 {
		return nil, errInvalid("serviceRevisionArns can have at most 20 items.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	revs := []map[string]any{}
	failures := []jsonFailure{}
	for _, arn := range in.ServiceRevisionArns {
		r, ok := pt.revisions[arn]
		if !ok {
			failures = append(failures, jsonFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		images := []map[string]string{}
		for _, c := range r.td.containers {
			sum := sha256.Sum256([]byte(c.Image))
			images = append(images, map[string]string{
				"containerName": c.Name, "image": c.Image, "imageDigest": "sha256:" + hex.EncodeToString(sum[:]),
			})
		}
		rev := map[string]any{
			"serviceRevisionArn": r.arn, "serviceArn": r.svc.arn, "clusterArn": r.svc.cl.arn,
			"taskDefinition": r.td.arn, "launchType": r.svc.launchType, "platformVersion": "1.4.0",
			"platformFamily": "Linux", "containerImages": images, "guardDutyEnabled": false,
			"loadBalancers": pt.loadBalancersJSON(r.svc), "serviceRegistries": []any{}, "createdAt": epoch(r.createdAt),
		}
		if resolved := pt.resolvedLoadBalancers(r); len(resolved) > 0 {
			rev["resolvedConfiguration"] = map[string]any{"loadBalancers": resolved}
		}
		revs = append(revs, rev)
	}
	return map[string]any{"serviceRevisions": revs, "failures": failures}, nil
}
