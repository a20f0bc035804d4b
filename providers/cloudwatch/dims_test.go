package cloudwatch

import (
	"strings"
	"testing"
)

// TestDimensionsFromARNs: the dimension values are the ARNs' suffixes
// (the ALB metrics documentation), in every partition; anything else is
// refused with the ARN quoted, escapes and all.
func TestDimensionsFromARNs(t *testing.T) {
	for _, tc := range []struct {
		arn, want, err string
		lb             bool
	}{
		{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188", "app/my-lb/50dc6c495c0c9188", "", true},
		{"arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:loadbalancer/app/x/1", "app/x/1", "", true},
		{"arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:1:loadbalancer/app/a.b_c/ff", "app/a.b_c/ff", "", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/n/1", "", "Application Load Balancer", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/gwy/g/1", "", "Application Load Balancer", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x", "", "loadbalancer/app/NAME/ID", true},
		{"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2", "app/my-lb/50dc6c495c0c9188", "", true},
		{"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee", "app/my-lb/50dc6c495c0c9188", "", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:listener/app/my-lb/1", "", "listener/app/NAME/ID/ID", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:listener/net/n/1/2", "", "Application Load Balancer", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/x//1/2", "", "listener-rule/app/NAME/ID/ID/ID", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1", "", "not a load balancer, listener or rule ARN", true},
		{"app/my-lb/50dc6c495c0c9188", "", "not an Elastic Load Balancing ARN", true},
		{"arn:aws:ecs:us-east-1:1:loadbalancer/app/x/1", "", "not an Elastic Load Balancing ARN", true},
		{"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x\x1b[2J/1", "", `\x1b[2J`, true},
		{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-tg/73e2d6bc24d8a067", "targetgroup/my-tg/73e2d6bc24d8a067", "", false},
		{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t", "", "not a target group ARN", false},
		{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1/extra", "", "not a target group ARN", false},
		{"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1", "", "not a target group ARN", false},
		{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tëst/1", "", "non-ASCII", false},
		{"", "", "not an Elastic Load Balancing ARN", false},
	} {
		var got string
		var err error
		if tc.lb {
			got, err = LoadBalancerDimension(tc.arn)
		} else {
			got, err = TargetGroupDimension(tc.arn)
		}
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %q, %v; want %q, %q", tc.arn, got, err, tc.want, tc.err)
		}
		if err != nil && strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("%q: the error carries a raw escape: %q", tc.arn, err)
		}
	}
}
