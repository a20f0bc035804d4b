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

// SHAFromTag reads a commit SHA out of an image tag, the ways builds
// write one: bare ("3f2a1c9"), prefixed "sha-" (docker/metadata-action),
// after a branch ("main-3f2a1c9") or before a platform ("3f2a1c9-arm64").
// A SHA is 7 to 40 hex characters; one shorter than 40 must mix digits
// and letters, since an all-digit tag is a date or a build number
// ("20241205") and a letters-only one a word ("deadbeefcafe"), far more
// often than an abbreviated commit. A tag where no part, or more than one,
// reads as a SHA gives "". The org.opencontainers.image.revision label,
// when present, is read before any tag.
func SHAFromTag(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	if rest, ok := strings.CutPrefix(t, "sha-"); ok && IsHex(rest) && len(rest) >= 7 && len(rest) <= 40 {
		return rest // marked as a SHA: taken whatever its digits
	}
	found := ""
	for _, part := range strings.FieldsFunc(t, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if !looksLikeSHA(part) {
			continue
		}
		if found != "" {
			return "" // two candidates: a guess either way
		}
		found = part
	}
	return found
}

// looksLikeSHA: 7 to 40 hex characters, mixing digits and letters unless
// it is all 40.
func looksLikeSHA(s string) bool {
	if len(s) < 7 || len(s) > 40 || !IsHex(s) {
		return false
	}
	if len(s) == 40 {
		return true
	}
	return strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "abcdef")
}

// IsHex reports whether s is lower-case hex digits, at least one.
func IsHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
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
