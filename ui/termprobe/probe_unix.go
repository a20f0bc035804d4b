//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package termprobe

import (
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// Dark reports whether the terminal on in/out has a dark background, and
// whether it said so (false when it did not answer within timeout, does
// not support the question, or is not a terminal). It asks with OSC 11
// followed by a cursor-position report, which every terminal answers: an
// answer to the second without one to the first means "not supported",
// so waiting ends as soon as the terminal has spoken.
//
// A reply that arrives after the timeout reaches the dashboard as input
// it ignores (an unknown sequence and a run of text no key matches).
func Dark(in, out *os.File, timeout time.Duration) (dark, answered bool) {
	if v, ok := colorFGBG(os.Getenv("COLORFGBG")); ok {
		return v, true
	}
	t := os.Getenv("TERM")
	// Multiplexers answer for one of several clients (termenv's rule too).
	if t == "" || t == "dumb" || strings.HasPrefix(t, "screen") || strings.HasPrefix(t, "tmux") {
		return true, false
	}
	if !term.IsTerminal(in.Fd()) || !term.IsTerminal(out.Fd()) {
		return true, false
	}
	state, err := term.MakeRaw(in.Fd())
	if err != nil {
		return true, false
	}
	defer func() { _ = term.Restore(in.Fd(), state) }()
	if _, err := out.WriteString("\x1b]11;?\x1b\\\x1b[6n"); err != nil {
		return true, false
	}
	reply := read(in, timeout)
	rgb, ok := parseOSC11(reply)
	if !ok {
		return true, false
	}
	return luminance(rgb) < 0.5, true
}

// read collects the terminal's reply until the cursor report that ends it
// arrives or the time is up.
func read(in *os.File, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	fd := int(in.Fd())
	var got []byte
	buf := make([]byte, 256)
	for len(got) < 4096 {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		var set unix.FdSet
		set.Set(fd)
		tv := unix.NsecToTimeval(left.Nanoseconds())
		n, err := unix.Select(fd+1, &set, nil, nil, &tv)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			break
		}
		k, err := unix.Read(fd, buf)
		if k > 0 {
			got = append(got, buf[:k]...)
			if cursorReportEnds(got) {
				break
			}
		}
		if err != nil && err != unix.EINTR && err != unix.EAGAIN {
			break
		}
	}
	return string(got)
}
