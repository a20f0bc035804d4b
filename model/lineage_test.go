package model

import "testing"

// A subject is the message's first line, exactly as the host wrote it:
// making it safe to print is the terminal boundary's work (termsafe).
func TestFirstLine(t *testing.T) {
	cases := map[string]string{
		"  Fix the \x1b]8;;http://evil\x07link bug\t(#12)\n\nLong story\n": "Fix the \x1b]8;;http://evil\x07link bug\t(#12)",
		"Subject\r\nBody": "Subject",
		"":                "",
	}
	for in, want := range cases {
		if got := FirstLine(in); got != want {
			t.Errorf("FirstLine(%q) = %q, want %q", in, got, want)
		}
	}
}
