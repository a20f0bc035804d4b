package providers

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Bounds of a job log read on demand. A CI log may be hundreds of
// megabytes; the reason a job failed is at its end.
const (
	// LogTailBytes is how much of a log's end is kept.
	LogTailBytes = 64 << 10
	// LogReadLimit is how much of a log is read at most to find its end.
	LogReadLimit = 64 << 20
)

// ErrLogTooLarge says a log is larger than LogReadLimit: its end was not
// reached, so nothing of it is shown as if it were the end.
var ErrLogTooLarge = fmt.Errorf("the log is larger than %d MiB; open the job in the browser to read it", LogReadLimit>>20)

// ReadTail reads r to its end, at most limit bytes, and keeps the last
// keep bytes. size is how many bytes the log had.
func ReadTail(r io.Reader, limit int64, keep int) (tail []byte, size int64, err error) {
	ring := make([]byte, 0, keep)
	buf := make([]byte, 32<<10)
	lr := io.LimitReader(r, limit+1)
	for {
		n, rerr := lr.Read(buf)
		size += int64(n)
		ring = appendTail(ring, buf[:n], keep)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, size, rerr
		}
	}
	if size > limit {
		return nil, size, ErrLogTooLarge
	}
	return ring, size, nil
}

// appendTail appends p to ring and keeps its last keep bytes.
func appendTail(ring, p []byte, keep int) []byte {
	if len(p) >= keep {
		return append(ring[:0], p[len(p)-keep:]...)
	}
	if over := len(ring) + len(p) - keep; over > 0 {
		ring = append(ring[:0], ring[over:]...)
	}
	return append(ring, p...)
}

// LogText turns a log's tail into lines a screen can show: colour and
// cursor sequences removed, a line rewritten with carriage returns (a
// progress bar) kept as its last state, and, when the tail was cut from a
// longer log, its first partial line dropped. It is not the terminal
// boundary (termsafe is); it makes a log read as the CI host shows it.
func LogText(tail []byte, truncated bool) string {
	if truncated {
		for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
			tail = tail[1:]
		}
		if i := strings.IndexByte(string(tail), '\n'); i >= 0 {
			tail = tail[i+1:]
		}
	}
	lines := strings.Split(strings.TrimRight(string(tail), "\n"), "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if j := strings.LastIndexByte(l, '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = ansi.Strip(l)
	}
	return strings.Join(lines, "\n")
}

// IsLogTooLarge reports whether err is ErrLogTooLarge.
func IsLogTooLarge(err error) bool { return errors.Is(err, ErrLogTooLarge) }
