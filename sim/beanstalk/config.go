package beanstalk

import (
	"encoding/xml"
	"fmt"
	"strconv"

	"github.com/airside-dev/flightdeck/sim/awsproto"
)

// DescribeConfigurationSettings: an environment's deployed option
// settings, the few a release dashboard reads (the deployment policy and
// the traffic-splitting canary's percent and evaluation time) among a
// plausible handful of others. The sim has no saved configuration
// templates.

type optionXML struct {
	ResourceName string `xml:"ResourceName,omitempty"`
	Namespace    string `xml:"Namespace"`
	OptionName   string `xml:"OptionName"`
	Value        string `xml:"Value"`
}

type configXML struct {
	SolutionStackName string      `xml:"SolutionStackName"`
	PlatformArn       string      `xml:"PlatformArn"`
	ApplicationName   string      `xml:"ApplicationName"`
	Description       string      `xml:"Description,omitempty"`
	EnvironmentName   string      `xml:"EnvironmentName"`
	DeploymentStatus  string      `xml:"DeploymentStatus"`
	DateCreated       string      `xml:"DateCreated"`
	DateUpdated       string      `xml:"DateUpdated"`
	OptionSettings    []optionXML `xml:"OptionSettings>member"`
}

type configResult struct {
	XMLName               xml.Name    `xml:"DescribeConfigurationSettingsResult"`
	ConfigurationSettings []configXML `xml:"ConfigurationSettings>member"`
}

func (pt *Part) describeConfigurationSettings(f form) (any, *awsproto.Error) {
	app, tmpl, name := f.str("ApplicationName"), f.str("TemplateName"), f.str("EnvironmentName")
	switch {
	case app == "":
		return nil, errMissing("ApplicationName")
	case pt.apps[app] == nil:
		return nil, errInvalid("No Application named '" + awsproto.Clip(app) + "' found.")
	case tmpl != "" && name != "":
		return nil, awsproto.NewError(400, "InvalidParameterCombination", "You cannot specify both a TemplateName and an EnvironmentName.")
	case tmpl != "":
		return nil, errInvalid("No Configuration Template named '" + awsproto.Clip(app) + "/" + awsproto.Clip(tmpl) + "' found.")
	case name == "":
		return nil, errMissing("TemplateName or EnvironmentName")
	}
	e := pt.env(name)
	if e == nil || e.app != app {
		return nil, errInvalid("No Environment found for EnvironmentName = '" + awsproto.Clip(name) + "'.")
	}
	return configResult{ConfigurationSettings: []configXML{{
		SolutionStackName: solutionStack, PlatformArn: fmt.Sprintf(platformArn, pt.region),
		ApplicationName: e.app, EnvironmentName: e.name, DeploymentStatus: "deployed",
		DateCreated: isoTime(e.created), DateUpdated: isoTime(e.updated),
		OptionSettings: optionsOf(e),
	}}}, nil
}

// optionsOf is an environment's option settings.
func optionsOf(e *environment) []optionXML {
	system := "enhanced"
	if e.health == "" {
		system = "basic"
	}
	n := strconv.Itoa(len(e.instanceIDs))
	return []optionXML{
		{ResourceName: "AWSEBAutoScalingGroup", Namespace: "aws:autoscaling:asg", OptionName: "MaxSize", Value: n},
		{ResourceName: "AWSEBAutoScalingGroup", Namespace: "aws:autoscaling:asg", OptionName: "MinSize", Value: n},
		{Namespace: "aws:elasticbeanstalk:command", OptionName: "BatchSize", Value: "30"},
		{Namespace: "aws:elasticbeanstalk:command", OptionName: "BatchSizeType", Value: "Percentage"},
		{Namespace: "aws:elasticbeanstalk:command", OptionName: "DeploymentPolicy", Value: e.deployPolicy},
		{Namespace: "aws:elasticbeanstalk:command", OptionName: "IgnoreHealthCheck", Value: "false"},
		{Namespace: "aws:elasticbeanstalk:command", OptionName: "Timeout", Value: "600"},
		{Namespace: "aws:elasticbeanstalk:environment", OptionName: "EnvironmentType", Value: "LoadBalanced"},
		{Namespace: "aws:elasticbeanstalk:environment", OptionName: "LoadBalancerType", Value: "application"},
		{Namespace: "aws:elasticbeanstalk:healthreporting:system", OptionName: "SystemType", Value: system},
		{Namespace: "aws:elasticbeanstalk:trafficsplitting", OptionName: "EvaluationTime", Value: strconv.Itoa(int(canaryEvaluation.Minutes()))},
		{Namespace: "aws:elasticbeanstalk:trafficsplitting", OptionName: "NewVersionPercent", Value: strconv.Itoa(canaryPercent)},
	}
}
