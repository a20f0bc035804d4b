package elbv2

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/sim/awsproto"
)

// The answers' shapes, as botocore's model names their members. Every
// list is <Name><member>…</member></Name>.

type tgTupleXML struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int    `xml:"Weight"`
}

type stickinessXML struct {
	Enabled         bool `xml:"Enabled"`
	DurationSeconds int  `xml:"DurationSeconds,omitempty"`
}

type forwardConfigXML struct {
	TargetGroups []tgTupleXML  `xml:"TargetGroups>member"`
	Stickiness   stickinessXML `xml:"TargetGroupStickinessConfig"`
}

type actionXML struct {
	Type           string           `xml:"Type"`
	TargetGroupArn string           `xml:"TargetGroupArn,omitempty"`
	Order          int              `xml:"Order"`
	ForwardConfig  forwardConfigXML `xml:"ForwardConfig"`
}

// actionXML writes a forward as ELBv2 does: TargetGroupArn too when it
// forwards to one group only.
func (f forward) xml() []actionXML {
	a := actionXML{Type: "forward", Order: 1,
		ForwardConfig: forwardConfigXML{Stickiness: stickinessXML{Enabled: f.sticky, DurationSeconds: f.stickySec}}}
	for _, g := range f.groups {
		a.ForwardConfig.TargetGroups = append(a.ForwardConfig.TargetGroups, tgTupleXML{g.tg, g.weight})
	}
	if len(f.groups) == 1 {
		a.TargetGroupArn = f.groups[0].tg
	}
	return []actionXML{a}
}

type listenerXML struct {
	ListenerArn     string      `xml:"ListenerArn"`
	LoadBalancerArn string      `xml:"LoadBalancerArn"`
	Port            int         `xml:"Port"`
	Protocol        string      `xml:"Protocol"`
	DefaultActions  []actionXML `xml:"DefaultActions>member"`
}

func (l *listener) xml() listenerXML {
	return listenerXML{ListenerArn: l.arn, LoadBalancerArn: l.lb.arn, Port: l.port, Protocol: l.protocol, DefaultActions: l.action.xml()}
}

type pathConfigXML struct {
	Values []string `xml:"Values>member"`
}

type conditionXML struct {
	Field             string        `xml:"Field"`
	Values            []string      `xml:"Values>member"`
	PathPatternConfig pathConfigXML `xml:"PathPatternConfig"`
}

type ruleXML struct {
	RuleArn    string         `xml:"RuleArn"`
	Priority   string         `xml:"Priority"`
	Conditions []conditionXML `xml:"Conditions>member"`
	Actions    []actionXML    `xml:"Actions>member"`
	IsDefault  bool           `xml:"IsDefault"`
}

func (r *rule) xml() ruleXML {
	return ruleXML{RuleArn: r.arn, Priority: strconv.Itoa(r.priority), Actions: r.action.xml(),
		Conditions: []conditionXML{{Field: "path-pattern", Values: r.paths, PathPatternConfig: pathConfigXML{Values: r.paths}}}}
}

// defaultRuleXML is a listener's default rule, as DescribeRules lists it.
func (l *listener) defaultRuleXML() ruleXML {
	return ruleXML{RuleArn: l.defaultRuleARN(), Priority: "default", Actions: l.action.xml(), IsDefault: true, Conditions: []conditionXML{}}
}

func (l *listener) defaultRuleARN() string {
	return strings.Replace(l.arn, ":listener/", ":listener-rule/", 1) + "/" + idFor("default", l.arn)
}

// --- DescribeLoadBalancers ---

type lbXML struct {
	LoadBalancerArn  string `xml:"LoadBalancerArn"`
	DNSName          string `xml:"DNSName"`
	CreatedTime      string `xml:"CreatedTime"`
	LoadBalancerName string `xml:"LoadBalancerName"`
	Scheme           string `xml:"Scheme"`
	VpcId            string `xml:"VpcId"`
	State            struct {
		Code string `xml:"Code"`
	} `xml:"State"`
	Type          string `xml:"Type"`
	IpAddressType string `xml:"IpAddressType"`
}

type describeLoadBalancersResult struct {
	XMLName       xml.Name `xml:"DescribeLoadBalancersResult"`
	LoadBalancers []lbXML  `xml:"LoadBalancers>member"`
}

func (pt *Part) describeLoadBalancers(f form) (any, *awsproto.Error) {
	want := f.list("LoadBalancerArns")
	out := describeLoadBalancersResult{LoadBalancers: []lbXML{}}
	for _, a := range want {
		if pt.loadBalancer(a) == nil {
			return nil, errLoadBalancerNotFound()
		}
	}
	for _, lb := range pt.lbs {
		if len(want) > 0 && !slices.Contains(want, lb.arn) {
			continue
		}
		x := lbXML{LoadBalancerArn: lb.arn, DNSName: lb.dns, CreatedTime: isoTime(lb.created), LoadBalancerName: lb.name,
			Scheme: "internet-facing", VpcId: vpcID, Type: "application", IpAddressType: "ipv4"}
		x.State.Code = "active"
		out.LoadBalancers = append(out.LoadBalancers, x)
	}
	return out, nil
}

const vpcID = "vpc-0a1b2c3d4e5f60718"

// --- DescribeListeners ---

type describeListenersResult struct {
	XMLName    xml.Name      `xml:"DescribeListenersResult"`
	Listeners  []listenerXML `xml:"Listeners>member"`
	NextMarker string        `xml:"NextMarker,omitempty"`
}

func (pt *Part) describeListeners(f form) (any, *awsproto.Error) {
	arns, lb := f.list("ListenerArns"), f.str("LoadBalancerArn")
	switch {
	case len(arns) == 0 && lb == "":
		return nil, errValidation("You must specify either listener ARNs or a load balancer ARN")
	case len(arns) > 0 && lb != "":
		return nil, errValidation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case lb != "" && pt.loadBalancer(lb) == nil:
		return nil, errLoadBalancerNotFound()
	}
	size, e := f.intIn("PageSize", 1, 400, 400)
	if e != nil {
		return nil, e
	}
	var all []*listener
	for _, a := range arns {
		l := pt.listener(a)
		if l == nil {
			return nil, errListenerNotFound()
		}
		all = append(all, l)
	}
	if lb != "" {
		for _, l := range pt.listeners {
			if l.lb.arn == lb {
				all = append(all, l)
			}
		}
	}
	from, to, e := page(f, len(all), size)
	if e != nil {
		return nil, e
	}
	out := describeListenersResult{Listeners: []listenerXML{}, NextMarker: nextMarker(to, len(all))}
	for _, l := range all[from:to] {
		out.Listeners = append(out.Listeners, l.xml())
	}
	return out, nil
}

// page is [from, to) of a list of n for the request's Marker (an index
// this part wrote) and page size.
func page(f form, n, size int) (from, to int, e *awsproto.Error) {
	if m := f.str("Marker"); m != "" {
		i, err := strconv.Atoi(m)
		if err != nil || i < 0 || i > n {
			return 0, 0, errValidation("Invalid marker: " + awsproto.Clip(m))
		}
		from = i
	}
	return from, min(n, from+size), nil
}

func nextMarker(to, n int) string {
	if to < n {
		return strconv.Itoa(to)
	}
	return ""
}

// --- DescribeRules ---

type describeRulesResult struct {
	XMLName    xml.Name  `xml:"DescribeRulesResult"`
	Rules      []ruleXML `xml:"Rules>member"`
	NextMarker string    `xml:"NextMarker,omitempty"`
}

func (pt *Part) describeRules(f form) (any, *awsproto.Error) {
	arns, la := f.list("RuleArns"), f.str("ListenerArn")
	switch {
	case len(arns) == 0 && la == "":
		return nil, errValidation("You must specify either listener ARN or rule ARNs")
	case len(arns) > 0 && la != "":
		return nil, errValidation("Listener ARN and rule ARNs cannot be specified at the same time")
	}
	size, e := f.intIn("PageSize", 1, 400, 400)
	if e != nil {
		return nil, e
	}
	var all []ruleXML
	for _, a := range arns {
		if r, _ := pt.rule(a); r != nil {
			all = append(all, r.xml())
			continue
		}
		if l := pt.listenerOfDefault(a); l != nil {
			all = append(all, l.defaultRuleXML())
			continue
		}
		return nil, errRuleNotFound()
	}
	if la != "" {
		l := pt.listener(la)
		if l == nil {
			return nil, errListenerNotFound()
		}
		for _, r := range l.rules {
			all = append(all, r.xml())
		}
		all = append(all, l.defaultRuleXML())
	}
	from, to, e := page(f, len(all), size)
	if e != nil {
		return nil, e
	}
	return describeRulesResult{Rules: append([]ruleXML{}, all[from:to]...), NextMarker: nextMarker(to, len(all))}, nil
}

func (pt *Part) listenerOfDefault(ruleARN string) *listener {
	for _, l := range pt.listeners {
		if l.defaultRuleARN() == ruleARN {
			return l
		}
	}
	return nil
}

// --- DescribeTargetGroups ---

type matcherXML struct {
	HttpCode string `xml:"HttpCode"`
}

type tgXML struct {
	TargetGroupArn             string     `xml:"TargetGroupArn"`
	TargetGroupName            string     `xml:"TargetGroupName"`
	Protocol                   string     `xml:"Protocol"`
	Port                       int        `xml:"Port"`
	VpcId                      string     `xml:"VpcId"`
	HealthCheckProtocol        string     `xml:"HealthCheckProtocol"`
	HealthCheckPort            string     `xml:"HealthCheckPort"`
	HealthCheckEnabled         bool       `xml:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int        `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int        `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int        `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int        `xml:"UnhealthyThresholdCount"`
	HealthCheckPath            string     `xml:"HealthCheckPath"`
	Matcher                    matcherXML `xml:"Matcher"`
	LoadBalancerArns           []string   `xml:"LoadBalancerArns>member"`
	TargetType                 string     `xml:"TargetType"`
	ProtocolVersion            string     `xml:"ProtocolVersion"`
	IpAddressType              string     `xml:"IpAddressType"`
}

type describeTargetGroupsResult struct {
	XMLName      xml.Name `xml:"DescribeTargetGroupsResult"`
	TargetGroups []tgXML  `xml:"TargetGroups>member"`
	NextMarker   string   `xml:"NextMarker,omitempty"`
}

func (pt *Part) describeTargetGroups(f form) (any, *awsproto.Error) {
	arns, names, lb := f.list("TargetGroupArns"), f.list("Names"), f.str("LoadBalancerArn")
	if n := btoi(len(arns) > 0) + btoi(len(names) > 0) + btoi(lb != ""); n > 1 {
		return nil, errValidation("Target group ARNs, target group names and a load balancer ARN cannot be specified at the same time")
	}
	if lb != "" && pt.loadBalancer(lb) == nil {
		return nil, errLoadBalancerNotFound()
	}
	size, e := f.intIn("PageSize", 1, 400, 400)
	if e != nil {
		return nil, e
	}
	var all []*targetGroup
	for _, a := range arns {
		tg := pt.targetGroup(a)
		if tg == nil {
			return nil, errTargetGroupNotFound()
		}
		all = append(all, tg)
	}
	for _, n := range names {
		i := slices.IndexFunc(pt.tgs, func(tg *targetGroup) bool { return tg.name == n })
		if i < 0 {
			return nil, errTargetGroupNotFound()
		}
		all = append(all, pt.tgs[i])
	}
	if len(arns) == 0 && len(names) == 0 {
		for _, tg := range pt.tgs {
			if lb == "" || slices.Contains(pt.loadBalancersOf(tg.arn), lb) {
				all = append(all, tg)
			}
		}
	}
	from, to, e := page(f, len(all), size)
	if e != nil {
		return nil, e
	}
	out := describeTargetGroupsResult{TargetGroups: []tgXML{}, NextMarker: nextMarker(to, len(all))}
	for _, tg := range all[from:to] {
		out.TargetGroups = append(out.TargetGroups, tgXML{
			TargetGroupArn: tg.arn, TargetGroupName: tg.name, Protocol: "HTTP", Port: tg.port, VpcId: vpcID,
			HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckEnabled: true,
			HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2,
			HealthCheckPath: "/healthz", Matcher: matcherXML{HttpCode: "200"}, LoadBalancerArns: append([]string{}, pt.loadBalancersOf(tg.arn)...),
			TargetType: "ip", ProtocolVersion: "HTTP1", IpAddressType: "ipv4",
		})
	}
	return out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// --- DescribeTargetHealth ---

type targetXML struct {
	Id               string `xml:"Id"`
	Port             int    `xml:"Port"`
	AvailabilityZone string `xml:"AvailabilityZone"`
}

type targetHealthXML struct {
	State       string `xml:"State"`
	Reason      string `xml:"Reason,omitempty"`
	Description string `xml:"Description,omitempty"`
}

type thdXML struct {
	Target          targetXML       `xml:"Target"`
	HealthCheckPort string          `xml:"HealthCheckPort"`
	TargetHealth    targetHealthXML `xml:"TargetHealth"`
}

type describeTargetHealthResult struct {
	XMLName      xml.Name `xml:"DescribeTargetHealthResult"`
	Descriptions []thdXML `xml:"TargetHealthDescriptions>member"`
}

func (pt *Part) describeTargetHealth(f form) (any, *awsproto.Error) {
	a := f.str("TargetGroupArn")
	if a == "" {
		return nil, errValidation("1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null")
	}
	tg := pt.targetGroup(a)
	if tg == nil {
		return nil, errTargetGroupNotFound()
	}
	only := map[string]bool{}
	for i := 1; i <= f.members("Targets"); i++ {
		only[f.str(fmt.Sprintf("Targets.member.%d.Id", i))] = true
	}
	out := describeTargetHealthResult{Descriptions: []thdXML{}}
	for _, t := range pt.observe(tg) {
		if len(only) > 0 && !only[t.IP] {
			continue
		}
		out.Descriptions = append(out.Descriptions, thdXML{
			Target:          targetXML{Id: t.IP, Port: tg.port, AvailabilityZone: t.AZ},
			HealthCheckPort: strconv.Itoa(tg.port),
			TargetHealth:    targetHealthXML{State: t.State, Reason: t.Reason, Description: t.Description},
		})
	}
	return out, nil
}

// --- ModifyListener, ModifyRule ---

type modifyListenerResult struct {
	XMLName   xml.Name      `xml:"ModifyListenerResult"`
	Listeners []listenerXML `xml:"Listeners>member"`
}

func (pt *Part) modifyListener(f form) (any, *awsproto.Error) {
	l := pt.listener(f.str("ListenerArn"))
	if f.str("ListenerArn") == "" {
		return nil, errValidation("1 validation error detected: Value null at 'listenerArn' failed to satisfy constraint: Member must not be null")
	}
	if l == nil {
		return nil, errListenerNotFound()
	}
	if port := f.str("Port"); port != "" {
		n, e := f.intIn("Port", 1, 65535, l.port)
		if e != nil {
			return nil, e
		}
		l.port = n
	}
	if p := f.str("Protocol"); p != "" && p != "HTTP" {
		return nil, errValidation("The flightdeck sim's listeners speak HTTP only, not '" + awsproto.Clip(p) + "'")
	}
	if f.members("DefaultActions") > 0 {
		fw, e := pt.parseActions(f, "DefaultActions")
		if e != nil {
			return nil, e
		}
		l.action = fw
		pt.noteWeights(l.arn, fw)
	}
	return modifyListenerResult{Listeners: []listenerXML{l.xml()}}, nil
}

type modifyRuleResult struct {
	XMLName xml.Name  `xml:"ModifyRuleResult"`
	Rules   []ruleXML `xml:"Rules>member"`
}

func (pt *Part) modifyRule(f form) (any, *awsproto.Error) {
	a := f.str("RuleArn")
	if a == "" {
		return nil, errValidation("1 validation error detected: Value null at 'ruleArn' failed to satisfy constraint: Member must not be null")
	}
	r, _ := pt.rule(a)
	dl := pt.listenerOfDefault(a)
	if r == nil && dl == nil {
		return nil, errRuleNotFound()
	}
	if f.members("Conditions") > 0 {
		if dl != nil {
			return nil, errValidation("You cannot modify the conditions of a default rule")
		}
		return nil, errValidation("The flightdeck sim does not change rule conditions")
	}
	if f.members("Actions") > 0 {
		fw, e := pt.parseActions(f, "Actions")
		if e != nil {
			return nil, e
		}
		if dl != nil {
			dl.action = fw
			pt.noteWeights(dl.arn, fw)
		} else {
			r.action = fw
			pt.noteWeights(r.arn, fw)
		}
	}
	if dl != nil {
		return modifyRuleResult{Rules: []ruleXML{dl.defaultRuleXML()}}, nil
	}
	return modifyRuleResult{Rules: []ruleXML{r.xml()}}, nil
}

// parseActions reads a list of actions (one forward) as ELBv2 checks
// it: weights 0..999, groups that exist, none twice, a TargetGroupArn
// beside a ForwardConfig only when it names its one group.
func (pt *Part) parseActions(f form, name string) (forward, *awsproto.Error) {
	if n := f.members(name); n != 1 {
		return forward{}, errValidation(fmt.Sprintf("The flightdeck sim supports exactly one (forward) action, not %d", n))
	}
	p := name + ".member.1."
	if t := f.str(p + "Type"); t != "forward" {
		return forward{}, errValidation("The flightdeck sim supports only forward actions, not '" + awsproto.Clip(t) + "'")
	}
	var fw forward
	single := f.str(p + "TargetGroupArn")
	tp := p + "ForwardConfig.TargetGroups"
	for i := 1; i <= f.members(tp); i++ {
		arn := f.str(fmt.Sprintf("%s.member.%d.TargetGroupArn", tp, i))
		w, e := f.intIn(fmt.Sprintf("%s.member.%d.Weight", tp, i), 0, 999, 1)
		if e != nil {
			return forward{}, e
		}
		if slices.ContainsFunc(fw.groups, func(g weighted) bool { return g.tg == arn }) {
			return forward{}, errValidation("Target group '" + awsproto.Clip(arn) + "' appears more than once in a forward action")
		}
		fw.groups = append(fw.groups, weighted{tg: arn, weight: w})
	}
	switch {
	case len(fw.groups) == 0 && single == "":
		return forward{}, errValidation("A target group ARN must be specified for a forward action")
	case len(fw.groups) == 0:
		fw.groups = []weighted{{tg: single, weight: 1}}
	case single != "" && (len(fw.groups) != 1 || fw.groups[0].tg != single):
		return forward{}, errValidation("You cannot specify a target group ARN and a forward config with different target groups")
	case len(fw.groups) > 5:
		return forward{}, errValidation("A forward action can have at most 5 target groups")
	}
	for _, g := range fw.groups {
		if pt.targetGroup(g.tg) == nil {
			return forward{}, errTargetGroupNotFound()
		}
	}
	sp := p + "ForwardConfig.TargetGroupStickinessConfig."
	fw.sticky = f.str(sp+"Enabled") == "true"
	if f.has(sp + "DurationSeconds") {
		d, e := f.intIn(sp+"DurationSeconds", 1, 604800, 0)
		if e != nil {
			return forward{}, e
		}
		fw.stickySec = d
	}
	return fw, nil
}
