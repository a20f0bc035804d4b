package model

import "testing"

// Text from a host must not drive the terminal or break a line.
func TestFirstLineAndPrintable(t *testing.T) {
	if got := FirstLine("  Fix the \x1b]8;;http://evil\x07link\x1b]8;;\x07 bug\t(#12)\n\nLong story\n"); got != "Fix the ]8;;http://evil link ]8;; bug (#12)" {
		t.Errorf("FirstLine = %q", got)
	}
	if got := Printable("Ana\u0085 \u009b31m Lima"); got != "Ana 31m Lima" {
		t.Errorf("Printable = %q", got)
	}
}
