package beanstalk

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The answers' shapes, as botocore's model names their members. Every
// list is <Name><member>…</member></Name>.

type tierXML struct {
	Name    string `xml:"Name"`
	Type    string `xml:"Type"`
	Version string `xml:"Version"`
}

type envXML struct {
	EnvironmentName              string  `xml:"EnvironmentName"`
	EnvironmentID                string  `xml:"EnvironmentId"`
	ApplicationName              string  `xml:"ApplicationName"`
	VersionLabel                 string  `xml:"VersionLabel,omitempty"`
	SolutionStackName            string  `xml:"SolutionStackName"`
	PlatformArn                  string  `xml:"PlatformArn"`
	EndpointURL                  string  `xml:"EndpointURL,omitempty"`
	CNAME                        string  `xml:"CNAME,omitempty"`
	DateCreated                  string  `xml:"DateCreated"`
	DateUpdated                  string  `xml:"DateUpdated"`
	Status                       string  `xml:"Status"`
	AbortableOperationInProgress bool    `xml:"AbortableOperationInProgress"`
	Health                       string  `xml:"Health"`
	HealthStatus                 string  `xml:"HealthStatus,omitempty"`
	Tier                         tierXML `xml:"Tier"`
	EnvironmentArn               string  `xml:"EnvironmentArn"`
}

type describeEnvironmentsResult struct {
	XMLName      xml.Name `xml:"DescribeEnvironmentsResult"`
	Environments []envXML `xml:"Environments>member"`
	NextToken    string   `xml:"NextToken,omitempty"`
}

func (pt *Part) envXML(e *environment) envXML {
	return envXML{
		EnvironmentName: e.name, EnvironmentID: e.id, ApplicationName: e.app, VersionLabel: e.label,
		SolutionStackName: solutionStack, PlatformArn: fmt.Sprintf(platformArn, pt.region),
		EndpointURL: "awseb-" + e.id + "-" + strconv.Itoa(int(ids.Hash(e.id)%1e9)) + "." + pt.region + ".elb.amazonaws.com",
		CNAME:       e.cname, DateCreated: isoTime(e.created), DateUpdated: isoTime(e.updated), Status: e.status,
		AbortableOperationInProgress: e.abortable, Health: e.color, HealthStatus: e.health,
		Tier:           tierXML{Name: "WebServer", Type: "Standard", Version: "1.0"},
		EnvironmentArn: fmt.Sprintf("arn:aws:elasticbeanstalk:%s:%s:environment/%s/%s", pt.region, pt.account, e.app, e.name),
	}
}

func (pt *Part) describeEnvironments(f form) (any, *awsproto.Error) {
	max, e := f.intIn("MaxRecords", 1, 1000, 1000)
	if e != nil {
		return nil, e
	}
	app, label := f.str("ApplicationName"), f.str("VersionLabel")
	idsIn, names := f.list("EnvironmentIds"), f.list("EnvironmentNames")
	deleted := f.str("IncludeDeleted") != "false"
	var out describeEnvironmentsResult
	var all []*environment
	for _, env := range pt.envs {
		switch {
		case app != "" && env.app != app,
			label != "" && env.label != label,
			len(idsIn) > 0 && !slices.Contains(idsIn, env.id),
			len(names) > 0 && !slices.Contains(names, env.name),
			env.terminated && !deleted:
			continue
		}
		all = append(all, env)
	}
	from, to, e := page(f, len(all), max)
	if e != nil {
		return nil, e
	}
	for _, env := range all[from:to] {
		out.Environments = append(out.Environments, pt.envXML(env))
	}
	out.NextToken = nextToken(to, len(all))
	return out, nil
}

// page is the slice [from, to) of a list of n answered for the request's
// NextToken (one this part wrote: an index into the list) and at most max.
func page(f form, n, max int) (from, to int, e *awsproto.Error) {
	if token := f.str("NextToken"); token != "" {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 || i > n {
			return 0, 0, errInvalid("Invalid NextToken: " + awsproto.Clip(token))
		}
		from = i
	}
	return from, min(n, from+max), nil
}

// nextToken is the NextToken of a page ending at to of n: "" at the end.
func nextToken(to, n int) string {
	if to < n {
		return strconv.Itoa(to)
	}
	return ""
}

// --- DescribeEnvironmentHealth ---

type statusCodesXML struct {
	Status2xx int `xml:"Status2xx"`
	Status3xx int `xml:"Status3xx"`
	Status4xx int `xml:"Status4xx"`
	Status5xx int `xml:"Status5xx"`
}

type latencyXML struct {
	P999 float64 `xml:"P999"`
	P99  float64 `xml:"P99"`
	P95  float64 `xml:"P95"`
	P90  float64 `xml:"P90"`
	P85  float64 `xml:"P85"`
	P75  float64 `xml:"P75"`
	P50  float64 `xml:"P50"`
	P10  float64 `xml:"P10"`
}

type metricsXML struct {
	Duration     int            `xml:"Duration"`
	RequestCount int            `xml:"RequestCount"`
	StatusCodes  statusCodesXML `xml:"StatusCodes"`
	Latency      latencyXML     `xml:"Latency"`
}

type instancesXML struct {
	NoData   int `xml:"NoData"`
	Unknown  int `xml:"Unknown"`
	Pending  int `xml:"Pending"`
	Ok       int `xml:"Ok"`
	Info     int `xml:"Info"`
	Warning  int `xml:"Warning"`
	Degraded int `xml:"Degraded"`
	Severe   int `xml:"Severe"`
}

type healthResult struct {
	XMLName            xml.Name      `xml:"DescribeEnvironmentHealthResult"`
	EnvironmentName    string        `xml:"EnvironmentName"`
	HealthStatus       string        `xml:"HealthStatus"`
	Status             string        `xml:"Status"`
	Color              string        `xml:"Color"`
	Causes             []string      `xml:"Causes>member"`
	ApplicationMetrics *metricsXML   `xml:"ApplicationMetrics,omitempty"`
	InstancesHealth    *instancesXML `xml:"InstancesHealth,omitempty"`
	RefreshedAt        string        `xml:"RefreshedAt"`
}

// findEnv is the environment an EnvironmentId or EnvironmentName names.
func (pt *Part) findEnv(f form) (*environment, *awsproto.Error) {
	id, name := f.str("EnvironmentId"), f.str("EnvironmentName")
	var e *environment
	switch {
	case id != "":
		e = pt.envByID(id)
		if e == nil || e.terminated {
			return nil, errInvalid("No Environment found for EnvironmentId = '" + awsproto.Clip(id) + "'.")
		}
	case name != "":
		e = pt.env(name)
		if e == nil {
			return nil, errInvalid("No Environment found for EnvironmentName = '" + awsproto.Clip(name) + "'.")
		}
	default:
		return nil, errMissing("EnvironmentId or EnvironmentName")
	}
	return e, nil
}

func (pt *Part) describeEnvironmentHealth(f form) (any, *awsproto.Error) {
	e, err := pt.findEnv(f)
	if err != nil {
		return nil, err
	}
	if e.health == "" {
		return nil, awsproto.NewError(400, "InvalidRequestException",
			"Enhanced health reporting is not enabled for environment "+e.name+".")
	}
	now := pt.loop.Now()
	// The numbers are the last ten seconds', a pure function of the
	// environment and the time: no randomness is drawn.
	refreshed := now.Truncate(10 * time.Second)
	h := ids.Hash(e.id, isoTime(refreshed))
	out := healthResult{EnvironmentName: e.name, HealthStatus: e.health, Status: e.status, Color: e.color,
		Causes: slices.Clone(e.causes), RefreshedAt: isoTime(refreshed)}
	if out.Causes == nil {
		out.Causes = []string{}
	}
	m := &metricsXML{Duration: 10}
	if !e.requestsOffline && e.rps > 0 {
		n := e.rps*10 + int(h%uint32(max(1, e.rps*2))) - e.rps
		m.RequestCount = max(0, n)
		bad5xx := 0
		if e.color == ColorRed || e.health == HealthSevere || e.health == HealthDegraded {
			bad5xx = m.RequestCount / 5
		}
		m.StatusCodes = statusCodesXML{Status5xx: bad5xx, Status4xx: m.RequestCount / 50, Status3xx: m.RequestCount / 20}
		m.StatusCodes.Status2xx = max(0, m.RequestCount-m.StatusCodes.Status3xx-m.StatusCodes.Status4xx-bad5xx)
		base := 0.020 + float64(h%15)/1000
		if bad5xx > 0 {
			base *= 8
		}
		m.Latency = latencyXML{P10: round3(base * 0.4), P50: round3(base), P75: round3(base * 1.6), P85: round3(base * 2.1),
			P90: round3(base * 2.6), P95: round3(base * 3.4), P99: round3(base * 6), P999: round3(base * 11)}
		out.ApplicationMetrics = m
	} else {
		out.ApplicationMetrics = &metricsXML{Duration: 10}
	}
	ins := &instancesXML{}
	switch e.health {
	case HealthSevere:
		ins.Severe = e.instances
	case HealthDegraded:
		ins.Degraded = e.instances
	case HealthWarning:
		ins.Warning = 1
		ins.Ok = e.instances - 1
	default:
		ins.Ok = e.instances
	}
	out.InstancesHealth = ins
	return out, nil
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// --- DescribeEvents ---

type eventXML struct {
	EventDate       string `xml:"EventDate"`
	Message         string `xml:"Message"`
	ApplicationName string `xml:"ApplicationName"`
	VersionLabel    string `xml:"VersionLabel,omitempty"`
	EnvironmentName string `xml:"EnvironmentName,omitempty"`
	RequestID       string `xml:"RequestId,omitempty"`
	Severity        string `xml:"Severity"`
}

type describeEventsResult struct {
	XMLName   xml.Name   `xml:"DescribeEventsResult"`
	Events    []eventXML `xml:"Events>member"`
	NextToken string     `xml:"NextToken,omitempty"`
}

func (pt *Part) describeEvents(f form) (any, *awsproto.Error) {
	max, e := f.intIn("MaxRecords", 1, 1000, 1000)
	if e != nil {
		return nil, e
	}
	start, e := f.timeParam("StartTime")
	if e != nil {
		return nil, e
	}
	end, e := f.timeParam("EndTime")
	if e != nil {
		return nil, e
	}
	floor := 0
	if s := f.str("Severity"); s != "" {
		floor = slices.Index(severities, s)
		if floor < 0 {
			return nil, errInvalid("1 validation error detected: Value '" + awsproto.Clip(s) + "' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]")
		}
	}
	app, label, id, name, rid := f.str("ApplicationName"), f.str("VersionLabel"), f.str("EnvironmentId"), f.str("EnvironmentName"), f.str("RequestId")
	var all []event
	for _, env := range pt.envs {
		if app != "" && env.app != app || id != "" && env.id != id || name != "" && env.name != name {
			continue
		}
		for _, ev := range env.events {
			switch {
			case label != "" && ev.label != label,
				rid != "" && ev.requestID != rid,
				slices.Index(severities, ev.severity) < floor,
				!start.IsZero() && ev.at.Before(start),
				!end.IsZero() && !ev.at.Before(end):
				continue
			}
			all = append(all, ev)
		}
	}
	// Newest first, as Beanstalk answers.
	slices.SortStableFunc(all, func(a, b event) int { return b.at.Compare(a.at) })
	from, to, e := page(f, len(all), max)
	if e != nil {
		return nil, e
	}
	out := describeEventsResult{Events: []eventXML{}}
	for _, ev := range all[from:to] {
		out.Events = append(out.Events, eventXML{EventDate: isoTime(ev.at), Message: ev.msg, ApplicationName: ev.app,
			VersionLabel: ev.label, EnvironmentName: ev.env, RequestID: ev.requestID, Severity: ev.severity})
	}
	out.NextToken = nextToken(to, len(all))
	return out, nil
}

// --- DescribeApplicationVersions ---

type s3XML struct {
	S3Bucket string `xml:"S3Bucket"`
	S3Key    string `xml:"S3Key"`
}

type versionXML struct {
	ApplicationVersionArn string `xml:"ApplicationVersionArn"`
	ApplicationName       string `xml:"ApplicationName"`
	Description           string `xml:"Description,omitempty"`
	VersionLabel          string `xml:"VersionLabel"`
	SourceBundle          s3XML  `xml:"SourceBundle"`
	DateCreated           string `xml:"DateCreated"`
	DateUpdated           string `xml:"DateUpdated"`
	Status                string `xml:"Status"`
}

type describeVersionsResult struct {
	XMLName             xml.Name     `xml:"DescribeApplicationVersionsResult"`
	ApplicationVersions []versionXML `xml:"ApplicationVersions>member"`
	NextToken           string       `xml:"NextToken,omitempty"`
}

func (pt *Part) versionXML(v *appVersion) versionXML {
	return versionXML{
		ApplicationVersionArn: fmt.Sprintf("arn:aws:elasticbeanstalk:%s:%s:applicationversion/%s/%s", pt.region, pt.account, v.app, v.label),
		ApplicationName:       v.app, Description: v.description, VersionLabel: v.label,
		SourceBundle: s3XML{S3Bucket: v.bucket, S3Key: v.key},
		DateCreated:  isoTime(v.created), DateUpdated: isoTime(v.created), Status: v.status,
	}
}

func (pt *Part) describeApplicationVersions(f form) (any, *awsproto.Error) {
	max, e := f.intIn("MaxRecords", 1, 1000, 1000)
	if e != nil {
		return nil, e
	}
	app, labels := f.str("ApplicationName"), f.list("VersionLabels")
	var all []*appVersion
	for _, name := range pt.appNames() {
		if app != "" && name != app {
			continue
		}
		for _, v := range pt.apps[name].versions {
			if len(labels) == 0 || slices.Contains(labels, v.label) {
				all = append(all, v)
			}
		}
	}
	// Newest first.
	slices.SortStableFunc(all, func(a, b *appVersion) int { return b.created.Compare(a.created) })
	from, to, e := page(f, len(all), max)
	if e != nil {
		return nil, e
	}
	out := describeVersionsResult{ApplicationVersions: []versionXML{}}
	for _, v := range all[from:to] {
		out.ApplicationVersions = append(out.ApplicationVersions, pt.versionXML(v))
	}
	out.NextToken = nextToken(to, len(all))
	return out, nil
}

func (pt *Part) appNames() []string {
	names := make([]string, 0, len(pt.apps))
	for n := range pt.apps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
