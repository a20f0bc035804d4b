package awsx

import (
	"net/url"
	"strings"
)

// ConsoleURL is the AWS console page at path (and fragment) for a region,
// in the region's partition: the China regions' console is on
// amazonaws.cn, GovCloud's on amazonaws-us-gov.com. "" without a region.
func ConsoleURL(region, path, fragment string) string {
	if region == "" {
		return ""
	}
	host := region + ".console.aws.amazon.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		host = region + ".console.amazonaws.cn"
	case strings.HasPrefix(region, "us-gov-"):
		host = "console.amazonaws-us-gov.com"
	}
	u := url.URL{Scheme: "https", Host: host, Path: path, RawQuery: url.Values{"region": {region}}.Encode(), Fragment: fragment}
	return u.String()
}
