package commands

import (
	"testing"

	"github.com/muesli/termenv"
)

// NO_COLOR (and --no-color) wins; CLICOLOR_FORCE forces colour unless it
// is "0"; CLICOLOR=0 turns it off unless forced (no-color.org,
// bixense.com/clicolors).
func TestColourChoice(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		flag bool
		want colour
	}{
		{nil, false, colourAuto},
		{nil, true, colourOff},
		{map[string]string{"NO_COLOR": "1"}, false, colourOff},
		{map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, false, colourOff},
		{map[string]string{"CLICOLOR_FORCE": "1"}, true, colourOff},
		{map[string]string{"CLICOLOR_FORCE": "1"}, false, colourForce},
		{map[string]string{"CLICOLOR_FORCE": "0"}, false, colourAuto},
		{map[string]string{"CLICOLOR": "0"}, false, colourOff},
		{map[string]string{"CLICOLOR": "0", "CLICOLOR_FORCE": "1"}, false, colourForce},
		{map[string]string{"NO_COLOR": ""}, false, colourAuto},
	} {
		if got := colourChoice(func(k string) string { return c.env[k] }, c.flag); got != c.want {
			t.Errorf("%v flag=%v: %v, want %v", c.env, c.flag, got, c.want)
		}
	}
}

// Forced colour gives colour even where stdout is no terminal (as in this
// test); off gives none.
func TestRendererFollowsTheChoice(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if p := renderer(colourForce).ColorProfile(); p == termenv.Ascii {
		t.Errorf("CLICOLOR_FORCE should colour a pipe, got the ASCII profile")
	}
	if p := renderer(colourOff).ColorProfile(); p != termenv.Ascii {
		t.Errorf("no colour should be the ASCII profile, got %v", p)
	}
}
