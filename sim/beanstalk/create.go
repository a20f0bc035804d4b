package beanstalk

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// CreateApplication, CreateEnvironment and DescribeApplications, calls
// moto_server also implements, so that a test can build the same applications and
// environments in both and read them back through the provider.

type applicationXML struct {
	ApplicationArn         string   `xml:"ApplicationArn"`
	ApplicationName        string   `xml:"ApplicationName"`
	Description            string   `xml:"Description,omitempty"`
	DateCreated            string   `xml:"DateCreated"`
	DateUpdated            string   `xml:"DateUpdated"`
	Versions               []string `xml:"Versions>member"`
	ConfigurationTemplates []string `xml:"ConfigurationTemplates>member"`
}

type createApplicationResult struct {
	XMLName     xml.Name       `xml:"CreateApplicationResult"`
	Application applicationXML `xml:"Application"`
}

func (pt *Part) createApplication(f form) (any, *awsproto.Error) {
	name := f.str("ApplicationName")
	switch {
	case name == "":
		return nil, errMissing("ApplicationName")
	case len(name) > 100:
		return nil, errInvalid("1 validation error detected: Value at 'applicationName' failed to satisfy constraint: Member must have length less than or equal to 100")
	case pt.apps[name] != nil:
		return nil, errInvalid("Application " + name + " already exists.")
	}
	pt.AddApplication(name)
	x := pt.applicationXML(pt.apps[name])
	x.Description = f.str("Description")
	return createApplicationResult{Application: x}, nil
}

type describeApplicationsResult struct {
	XMLName      xml.Name         `xml:"DescribeApplicationsResult"`
	Applications []applicationXML `xml:"Applications>member"`
}

func (pt *Part) applicationXML(a *application) applicationXML {
	x := applicationXML{
		ApplicationArn:  fmt.Sprintf("arn:aws:elasticbeanstalk:%s:%s:application/%s", pt.region, pt.account, a.name),
		ApplicationName: a.name, DateCreated: isoTime(a.created), DateUpdated: isoTime(a.created),
	}
	for _, v := range a.versions {
		x.Versions = append(x.Versions, v.label)
	}
	return x
}

// describeApplications lists the applications (those named, when
// ApplicationNames is given), by name.
func (pt *Part) describeApplications(f form) (any, *awsproto.Error) {
	names := f.list("ApplicationNames")
	out := describeApplicationsResult{Applications: []applicationXML{}}
	for _, n := range pt.appNames() {
		if len(names) == 0 || slices.Contains(names, n) {
			out.Applications = append(out.Applications, pt.applicationXML(pt.apps[n]))
		}
	}
	return out, nil
}

type createEnvironmentResult struct {
	XMLName xml.Name `xml:"CreateEnvironmentResult"`
	envXML
}

// createEnvironment launches an environment: Launching, then Ready and
// Green after launchTime (paced), its events written as it goes. Without
// a VersionLabel it runs no version of the application's (Beanstalk's
// sample application); without a CNAMEPrefix its CNAME is generated.
func (pt *Part) createEnvironment(f form) (any, *awsproto.Error) {
	app, name, label, prefix := f.str("ApplicationName"), f.str("EnvironmentName"), f.str("VersionLabel"), f.str("CNAMEPrefix")
	switch {
	case app == "":
		return nil, errMissing("ApplicationName")
	case pt.apps[app] == nil:
		return nil, errInvalid("No Application named '" + awsproto.Clip(app) + "' found.")
	case name == "":
		return nil, errMissing("EnvironmentName")
	case len(name) < 4 || len(name) > 40:
		return nil, errInvalid("1 validation error detected: Value at 'environmentName' failed to satisfy constraint: Member must have length between 4 and 40")
	case pt.env(name) != nil:
		return nil, errInvalid("Environment " + name + " already exists.")
	case label != "" && pt.version(app, label) == nil:
		return nil, errInvalid(fmt.Sprintf("No Application Version named '%s' found.", awsproto.Clip(label)))
	case f.str("SolutionStackName") == "" && f.str("PlatformArn") == "" && f.str("TemplateName") == "":
		return nil, errInvalid("No Solution Stack named '' found.")
	}
	if prefix == "" {
		prefix = fmt.Sprintf("%s.eba-%08x", strings.ToLower(name), ids.Hash(app, name))
	}
	cname := prefix + "." + pt.region + ".elasticbeanstalk.com"
	for _, e := range pt.envs {
		if e.cname == cname && !e.terminated {
			return nil, errInvalid("DNS name (" + cname + ") is not available.")
		}
	}
	policy := PolicyRolling
	for i := 1; ; i++ {
		p := fmt.Sprintf("OptionSettings.member.%d.", i)
		ns, ok := f[p+"Namespace"]
		if !ok {
			break
		}
		if len(ns) > 0 && ns[0] == "aws:elasticbeanstalk:command" && f.str(p+"OptionName") == "DeploymentPolicy" {
			policy = f.str(p + "Value")
		}
	}
	now := pt.loop.Now()
	e := pt.newEnvironment(EnvSpec{App: app, Name: name, Label: label, Instances: 2, RPS: 2, At: now, Policy: policy})
	e.cname = cname
	e.status, e.color, e.health, e.abortable = StatusLaunching, "Grey", "Pending", false
	e.updated = now
	rid := ids.NameUUID("launch", e.id, isoTime(now))
	gen := e.gen
	for _, st := range pt.launchSteps(e) {
		if st.after == 0 {
			pt.note(e, now, "INFO", rid, st.msg)
			continue
		}
		pt.loop.After(pt.loop.Pace(st.after), func() {
			if e.gen != gen || e.terminated {
				return
			}
			pt.note(e, pt.loop.Now(), "INFO", rid, st.msg)
			if st.after == launchTime {
				e.status, e.color, e.health, e.updated = StatusReady, ColorGreen, HealthOk, pt.loop.Now()
				e.deployedAt = e.updated
			}
		})
	}
	e.launchedAt = now.Add(pt.loop.Pace(3 * time.Minute))
	return createEnvironmentResult{envXML: pt.envXML(e)}, nil
}
