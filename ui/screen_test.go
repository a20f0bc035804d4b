package ui

import (
	"strings"
	"testing"
)

// lastLine is the footer of a frame.
func lastLine(frame string) string { return frame[strings.LastIndex(frame, "\n")+1:] }

// TestHelpComesFromTheScreenInFront checks the screen contract end to end:
// the footer and the ? overlay are the keys of the screen in front, not
// one list for every screen.
func TestHelpComesFromTheScreenInFront(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m)
	if foot := lastLine(view(m)); !strings.Contains(foot, "/ filter") || strings.Contains(foot, "prev env") {
		t.Errorf("board footer should offer the board's keys: %q", foot)
	}
	m = update(t, m, keyMsg("?"))
	if v := view(m); !strings.Contains(v, "filter") || !strings.Contains(v, "older/newer pipeline") {
		t.Errorf("the board's overlay is the whole key table:\n%s", v)
	}
	m = update(t, m, keyMsg("?"))
	m = update(t, m, keyMsg("enter"))
	if foot := lastLine(view(m)); !strings.Contains(foot, "prev env") || !strings.Contains(foot, "esc/q back") {
		t.Errorf("detail footer should offer the detail's keys: %q", foot)
	}
	m = update(t, m, keyMsg("?"))
	v := view(m)
	if !strings.Contains(v, "older/newer pipeline") || !strings.Contains(v, "scroll graph") || strings.Contains(v, "filter") {
		t.Errorf("the detail's overlay should list its pipeline keys and not the board's filter:\n%s", v)
	}
	if foot := lastLine(v); !strings.Contains(foot, "? help") || strings.Contains(foot, "prev env") {
		t.Errorf("over the overlay, the footer says how to leave it: %q", foot)
	}
	m = update(t, m, keyMsg("?"))
	m = update(t, m, keyMsg("/"))
	if foot := lastLine(view(m)); !strings.Contains(foot, "prev env") {
		t.Errorf("/ on the detail is no filter; the footer should stay the detail's: %q", foot)
	}
}

// TestBoardFilterFooter: while the filter has the keyboard the footer is
// the filter's, and once applied it offers to clear it.
func TestBoardFilterFooter(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m)
	m = update(t, m, keyMsg("/"))
	m = update(t, m, keyMsg("w"))
	if foot := lastLine(view(m)); !strings.Contains(foot, "enter apply") || !strings.Contains(foot, "esc clear") {
		t.Errorf("filtering footer: %q", foot)
	}
	m = update(t, m, keyMsg("enter"))
	if foot := lastLine(view(m)); !strings.Contains(foot, "esc clear filter") || !strings.Contains(foot, "enter open") {
		t.Errorf("applied filter footer: %q", foot)
	}
}
