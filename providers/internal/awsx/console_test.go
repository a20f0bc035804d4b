package awsx

import "testing"

func TestConsoleURL(t *testing.T) {
	for _, c := range []struct{ region, path, frag, want string }{
		{"eu-west-1", "/ecs/v2/clusters/prod/services/api/health", "",
			"https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/api/health?region=eu-west-1"},
		{"cn-north-1", "/ecs/v2/clusters/prod/services/api/health", "",
			"https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/api/health?region=cn-north-1"},
		{"us-gov-west-1", "/elasticbeanstalk/home", "/environment/dashboard?environmentId=e-abc",
			"https://console.amazonaws-us-gov.com/elasticbeanstalk/home?region=us-gov-west-1#/environment/dashboard?environmentId=e-abc"},
		{"us-east-1", "/ecs/v2/clusters/a b/services/x%2Fy/health", "",
			"https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/a%20b/services/x%252Fy/health?region=us-east-1"},
		{"", "/ecs", "", ""},
	} {
		if got := ConsoleURL(c.region, c.path, c.frag); got != c.want {
			t.Errorf("ConsoleURL(%q, %q, %q) =\n%s\nwant\n%s", c.region, c.path, c.frag, got, c.want)
		}
	}
}
