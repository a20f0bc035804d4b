package ui

import (
	"os"

	"github.com/airside-dev/flightdeck/termsafe"
)

// TerminalNotifier returns a Notify that rings the terminal bell and posts
// a desktop notification (OSC 9, which iTerm2, kitty, WezTerm, Windows
// Terminal and others show; terminals that do not know it ignore it).
//
// It writes to /dev/tty rather than stdout: Bubble Tea owns stdout and the
// alternate screen, and the kernel keeps each write to a terminal whole, so
// these few bytes never land inside a frame's escape sequences. Where there
// is no controlling terminal it does nothing.
func TerminalNotifier() func(text string) {
	return func(text string) {
		tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer tty.Close()
		_, _ = tty.WriteString(notification(text))
	}
}

// notification is the bell and OSC 9 sequence for text, with control
// characters removed so the text cannot end the sequence early or inject
// another.
func notification(text string) string {
	return "\a\x1b]9;" + termsafe.Line("flightdeck: "+text) + "\x07"
}
