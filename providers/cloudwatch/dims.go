package cloudwatch

import (
	"fmt"
	"slices"
	"strings"
)

// The ALB publishes its target-group metrics under two dimensions whose
// values are suffixes of the ELBv2 ARNs (the ALB's CloudWatch metrics
// documentation):
//
//	arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188
//	                                       LoadBalancer = app/web/50dc6c495c0c9188
//	arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067
//	                                       TargetGroup  = targetgroup/web-blue/73e2d6bc24d8a067

// LoadBalancerDimension is the LoadBalancer dimension value
// ("app/<name>/<id>") of an Application Load Balancer, from its ARN or the
// ARN of one of its listeners or listener rules, which carry it
// (…:listener/app/<name>/<id>/<listener-id>, …:listener-rule/app/<name>/<id>/<listener-id>/<rule-id>):
// the config names a canary by its listener. A network or gateway load
// balancer is refused: its metrics are in other namespaces under other
// names.
func LoadBalancerDimension(arn string) (string, error) {
	res, err := elbResource(arn)
	if err != nil {
		return "", err
	}
	kind, rest, _ := strings.Cut(res, "/")
	parts := strings.Split(rest, "/")
	want := map[string]int{"loadbalancer": 3, "listener": 4, "listener-rule": 5}[kind]
	switch {
	case want == 0:
		return "", fmt.Errorf("%q is not a load balancer, listener or rule ARN (want …:loadbalancer/app/NAME/ID)", arn)
	case len(parts) != want || slices.Contains(parts, ""):
		return "", fmt.Errorf("%q: a %s ARN should end in %s/app/NAME/ID%s", arn, kind, kind,
			strings.Repeat("/ID", want-3))
	case parts[0] != "app":
		return "", fmt.Errorf("%q is a %q load balancer's; canary metrics need an Application Load Balancer (app)", arn, parts[0])
	}
	return strings.Join(parts[:3], "/"), nil
}

// TargetGroupDimension is the TargetGroup dimension value of a target
// group's ARN ("targetgroup/<name>/<id>").
func TargetGroupDimension(arn string) (string, error) {
	res, err := elbResource(arn)
	if err != nil {
		return "", err
	}
	parts := strings.Split(res, "/")
	if len(parts) != 3 || parts[0] != "targetgroup" || parts[1] == "" || parts[2] == "" {
		return "", fmt.Errorf("%q is not a target group ARN (want …:targetgroup/NAME/ID)", arn)
	}
	return res, nil
}

// elbResource is the resource part of an ELBv2 ARN:
// arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:RESOURCE.
func elbResource(arn string) (string, error) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] != "elasticloadbalancing" || f[5] == "" {
		return "", fmt.Errorf("%q is not an Elastic Load Balancing ARN", arn)
	}
	for _, r := range f[5] {
		if r <= ' ' || r >= 0x7f { // CloudWatch dimension values are printable ASCII
			return "", fmt.Errorf("%q: the ARN has a space, a control character or a non-ASCII character", arn)
		}
	}
	return f[5], nil
}

// targetName is the group's name, the middle of its dimension value.
func targetName(tgDim string) string {
	parts := strings.Split(tgDim, "/")
	if len(parts) == 3 {
		return parts[1]
	}
	return tgDim
}
