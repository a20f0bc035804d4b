package model

import "testing"

func TestSHAFromTag(t *testing.T) {
	for _, tc := range []struct{ tag, want string }{
		{"3f2a1c9", "3f2a1c9"},
		{"sha-3f2a1c9", "3f2a1c9"},
		{"SHA-3F2A1C9", "3f2a1c9"},
		{"3f2a1c9d4e5f60718293a4b5c6d7e8f901234567", "3f2a1c9d4e5f60718293a4b5c6d7e8f901234567"},
		{"3f2a1c", ""},       // too short to be a SHA
		{"latest", ""},       // not hex
		{"v1.2.3", ""},       // a release tag
		{"20261121", ""},     // a date, not a commit
		{"deadbeefcafe", ""}, // a word, not a commit
		{"1234567890123456789012345678901234567890", "1234567890123456789012345678901234567890"}, // whole: taken
		{"sha-1234567", "1234567"},           // marked as a SHA
		{"main-3f2a1c9", "3f2a1c9"},          // <branch>-<sha>
		{"feature_login-3f2a1c9", "3f2a1c9"}, // a branch with an underscore
		{"3f2a1c9-arm64", "3f2a1c9"},         // <sha>-<arch>
		{"v1.4.2-3f2a1c9", "3f2a1c9"},        // a release and its commit
		{"20241205-3f2a1c9", "3f2a1c9"},      // a date and the commit
		{"3f2a1c9-4e5f607", ""},              // two candidates: no guess
		{"edge", ""}, {"1.25-alpine", ""},
		{"3f2a1c9d4e5f60718293a4b5c6d7e8f9012345678", ""}, // 41 chars
		{"", ""},
	} {
		if got := SHAFromTag(tc.tag); got != tc.want {
			t.Errorf("SHAFromTag(%q) = %q, want %q", tc.tag, got, tc.want)
		}
	}
}

func TestImageTag(t *testing.T) {
	for _, tc := range []struct{ image, want string }{
		{"123.dkr.ecr.us-east-1.amazonaws.com/api:3f2a1c9", "3f2a1c9"},
		{"registry:5000/api", ""},
		{"registry:5000/api:sha-abcdef1", "sha-abcdef1"},
		{"acme/api@sha256:0123", ""},
		{"acme/api:1c0ffee@sha256:0123", "1c0ffee"},
		{"api", ""},
	} {
		if got := ImageTag(tc.image); got != tc.want {
			t.Errorf("ImageTag(%q) = %q, want %q", tc.image, got, tc.want)
		}
	}
}

func TestSameCommit(t *testing.T) {
	full := "3f2a1c9d4e5f60718293a4b5c6d7e8f901234567"
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{full, "3f2a1c9", true},
		{"3F2A1C9", full, true},
		{full, "3f2a1c8", false},
		{"3f2a", full, false}, // too short to claim equality
		{"", "", false},
	} {
		if got := SameCommit(tc.a, tc.b); got != tc.want {
			t.Errorf("SameCommit(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestCompareEnvs(t *testing.T) {
	v := func(sha string) Version { return Version{SHA: sha} }
	lineage := Lineage{"ccccccc", "bbbbbbb", "aaaaaaa"}
	for _, tc := range []struct {
		name     string
		up, down Version
		want     Drift
	}{
		{"same", v("aaaaaaa"), v("aaaaaaa"), Drift{Kind: InSync}},
		{"ahead two", v("ccccccc"), v("aaaaaaa"), Drift{Kind: Ahead, Commits: 2}},
		{"behind (hotfix downstream)", v("aaaaaaa"), v("bbbbbbb"), Drift{Kind: Behind, Commits: 1}},
		{"unknown order", v("ddddddd"), v("aaaaaaa"), Drift{Kind: Differs, Commits: -1}},
		{"missing side", v(""), v("aaaaaaa"), Drift{Kind: DriftUnknown, Commits: -1}},
		{"same image without SHA", Version{Artifact: "acme/api:v4"}, Version{Artifact: "acme/api:v4"}, Drift{Kind: InSync}},
		{"same revision name is not proof", Version{Revision: "api:4"}, Version{Revision: "api:4"}, Drift{Kind: DriftUnknown, Commits: -1}},
	} {
		if got := CompareEnvs(tc.up, tc.down, lineage); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
