package beanstalk

import (
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"

	"github.com/airside-dev/flightdeck/model"
)

// DefaultSHAPattern finds a commit in a version label or description: a
// run of 7 to 40 hex digits standing alone (between characters that are
// not letters or digits), as in "web-3f2a1c9-250101_1200" or "deploy
// 3f2a1c9d…". Among several runs, the first with a letter in it wins over
// digits only, which are more often a date or a build number.
var DefaultSHAPattern = regexp.MustCompile(`(?i)(?:^|[^0-9a-z])([0-9a-f]{7,40})(?:$|[^0-9a-z])`)

// shaIn finds the commit in text with pattern (nil: the default), lower
// case, or "" when there is none or what the group caught is not hex of
// 7–40 digits (a configured pattern may catch anything).
func shaIn(pattern *regexp.Regexp, text string) string {
	if text == "" {
		return ""
	}
	if pattern == nil {
		return defaultSHA(text)
	}
	m := pattern.FindStringSubmatch(text)
	if len(m) < 2 {
		return ""
	}
	return model.SHAFromTag(m[1])
}

// defaultSHA is DefaultSHAPattern's choice: the first run with a letter,
// else the first run.
func defaultSHA(text string) string {
	first := ""
	for rest := text; rest != ""; {
		loc := DefaultSHAPattern.FindStringSubmatchIndex(rest)
		if loc == nil {
			break
		}
		run := strings.ToLower(rest[loc[2]:loc[3]])
		if strings.ContainsAny(run, "abcdef") {
			return run
		}
		if first == "" {
			first = run
		}
		rest = rest[loc[3]:] // the separator after the run may open the next
	}
	return first
}

// appVersion is what flightdeck keeps of an application version.
type appVersion struct {
	label, description string
	bundle             string // s3://bucket/key; "" when it has none
	status             types.ApplicationVersionStatus
	created            time.Time
}

func newAppVersion(v types.ApplicationVersionDescription) *appVersion {
	return &appVersion{
		label:       aws.ToString(v.VersionLabel),
		description: aws.ToString(v.Description),
		bundle:      bundleURL(v.SourceBundle),
		status:      v.Status,
		created:     aws.ToTime(v.DateCreated),
	}
}

// settled reports a version whose answer will not change: its status is
// final, so the cache need not ask again.
func (v *appVersion) settled() bool {
	switch v.status {
	case types.ApplicationVersionStatusProcessing, types.ApplicationVersionStatusBuilding:
		return false
	}
	return true
}

// deployable says why a version may not be deployed, or "" when it may:
// a version whose processing failed or has not happened is not offered.
func (v *appVersion) deployable() string {
	switch v.status {
	case types.ApplicationVersionStatusProcessed, "":
		// An answer without a status (the API's own examples have none)
		// says nothing against the version.
		return ""
	case types.ApplicationVersionStatusFailed:
		return "its processing failed"
	case types.ApplicationVersionStatusUnprocessed:
		return "it is unprocessed"
	case types.ApplicationVersionStatusProcessing, types.ApplicationVersionStatusBuilding:
		return "it is still " + strings.ToLower(string(v.status))
	}
	return "its status is " + string(v.status)
}

func bundleURL(l *types.S3Location) string {
	if l == nil || aws.ToString(l.S3Bucket) == "" {
		return ""
	}
	return "s3://" + aws.ToString(l.S3Bucket) + "/" + aws.ToString(l.S3Key)
}

// parseBundle splits "s3://bucket/key"; ok is false for anything else.
func parseBundle(u string) (bucket, key string, ok bool) {
	rest, found := strings.CutPrefix(u, "s3://")
	if !found {
		return "", "", false
	}
	bucket, key, found = strings.Cut(rest, "/")
	return bucket, key, found && bucket != "" && key != ""
}

// versionOf is the model's version for a label: the SHA is the label when
// it is hex (7–40); else a full 40-digit commit in the description; else
// found in the label, then the description, with the environment's
// pattern. A short run in the label beats one in the description because
// the EB CLI puts the short commit in the label and the commit's subject,
// which may hold any hex word, in the description; but a full commit in
// the description (as CI scripts write it) says more than seven digits of
// the label. The artifact is the source bundle.
func versionOf(e Environment, label string, v *appVersion) model.Version {
	out := model.Version{Revision: label}
	if label == "" {
		return out
	}
	if v != nil {
		out.Artifact = v.bundle
	}
	if isHexSHA(label) {
		out.SHA = strings.ToLower(label)
		return out
	}
	if v != nil {
		if full := fullSHAIn(e.SHAPattern, v.description); full != "" {
			out.SHA = full
			return out
		}
	}
	out.SHA = shaIn(e.SHAPattern, label)
	if out.SHA == "" && v != nil {
		out.SHA = shaIn(e.SHAPattern, v.description)
	}
	return out
}

// fullSHAIn is the first full commit (40 hex digits) the pattern (nil: the
// default) finds in text, lower case, or "".
func fullSHAIn(pattern *regexp.Regexp, text string) string {
	if pattern == nil {
		pattern = DefaultSHAPattern
	}
	for rest := text; rest != ""; {
		loc := pattern.FindStringSubmatchIndex(rest)
		if loc == nil || len(loc) < 4 || loc[1] == 0 {
			return ""
		}
		if loc[2] >= 0 {
			if run := strings.ToLower(rest[loc[2]:loc[3]]); len(run) == 40 && model.IsHex(run) {
				return run
			}
		}
		// Go on after the group (the default pattern's separator after a
		// run may open the next), or after the match when it has none.
		next := loc[1]
		if loc[3] > loc[2] && loc[3] >= 0 {
			next = loc[3]
		}
		rest = rest[next:]
	}
	return ""
}

// isHexSHA: 7 to 40 hex digits and nothing else.
func isHexSHA(s string) bool {
	return len(s) >= 7 && len(s) <= 40 && model.IsHex(strings.ToLower(s))
}
