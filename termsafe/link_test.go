package termsafe

import (
	"strings"
	"testing"
)

// Frame keeps the links flightdeck drew, and defuses every other OSC 8,
// whoever wrote it, whatever it points at.
func TestFrameKeepsOnlyOurLinks(t *testing.T) {
	ours := Link("https://github.com/acme/api/commit/3f2a1c9", "3f2a1c9")
	if !strings.Contains(ours, "\x1b]8;") {
		t.Fatalf("no link drawn: %q", ours)
	}
	if got := Frame("sha " + ours + " end"); got != "sha "+ours+" end" {
		t.Errorf("our link was changed: %q", got)
	}
	for _, hostile := range []string{
		"\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",                // no id
		"\x1b]8;id=fd000000000000000000000000;https://evil.example/\x1b\\x",     // a guessed id
		"\x1b]8;" + linkID + ";javascript:alert(1)\x1b\\x",                      // ours, but not a web address
		"\x1b]8;" + linkID + ";https://a.example/\x07x",                         // BEL-terminated: not ours
		"\x1b]8;" + linkID + ";https://a.example/\x1b]52;c;ZXZpbA==\x07\x1b\\x", // a clipboard write inside
	} {
		got := Frame(hostile)
		if strings.Contains(got, "\x1b]") {
			t.Errorf("Frame(%q) = %q: an escape survived", hostile, got)
		}
	}
	for _, u := range []string{"", "ftp://a.example/", "https://a.example/\x1b", "https://a.example/ x", "https:///nohost", strings.Repeat("h", 3000)} {
		if Link(u, "t") != "t" {
			t.Errorf("Link(%q) made a link", u)
		}
	}
}
