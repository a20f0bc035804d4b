package model

import "strings"

// Version identifies what runs in an environment: the commit it was built
// from, the artifact (an image reference) and the provider's own revision
// name (an ECS task definition "family:revision").
type Version struct {
	SHA      string `json:"sha"`
	Artifact string `json:"artifact"`
	Revision string `json:"revision"`
}

// ShortSHA is the seven-character form shown on screen.
func ShortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// Short is the version's short SHA, or its revision when no SHA is known,
// so that a cell never shows an empty name for something that runs.
func (v Version) Short() string {
	if v.SHA != "" {
		return ShortSHA(v.SHA)
	}
	return v.Revision
}

// SameCommit reports whether two SHAs name the same commit, allowing either
// side to be abbreviated (image tags often carry only seven characters).
func SameCommit(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	a, b = strings.ToLower(a), strings.ToLower(b)
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 7 && strings.HasPrefix(b, a)
}

// SHAFromTag reads a commit SHA out of an image tag: 7 to 40 hex characters,
// optionally prefixed with "sha-" (the docker/metadata-action convention).
// It returns "" when the tag is not a SHA (latest, v1.2.3). An all-digit
// tag (a date, a build number) is valid hex and is returned: the
// org.opencontainers.image.revision label, when present, is read first.
func SHAFromTag(tag string) string {
	t := strings.ToLower(tag)
	t = strings.TrimPrefix(t, "sha-")
	if len(t) < 7 || len(t) > 40 {
		return ""
	}
	for _, c := range t {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	return t
}

// ImageTag splits the tag off an image reference. A digest reference
// ("repo@sha256:…") has no tag; a registry port ("host:5000/repo") is not one.
func ImageTag(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon > slash {
		return image[colon+1:]
	}
	return ""
}
