//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package termprobe

import (
	"os"
	"time"
)

// Dark does not ask where reading a terminal's reply with a deadline is
// not written yet: the dashboard assumes a dark background.
func Dark(in, out *os.File, timeout time.Duration) (dark, answered bool) {
	if v, ok := colorFGBG(os.Getenv("COLORFGBG")); ok {
		return v, true
	}
	return true, false
}
