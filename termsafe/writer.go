package termsafe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/airside-dev/flightdeck/secret"
)

// Writer is a headless command's stdout or stderr: every write reaches the
// underlying writer scrubbed of secrets, with newlines and tabs kept and
// every other control shown, never obeyed. flightdeck's own text output
// draws no escape sequences, so nothing of ours is lost.
//
// A write that ends inside a UTF-8 character keeps those bytes for the
// next write; Flush writes them out when nothing follows.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	tail []byte // the start of a character split across writes
}

// NewWriter wraps w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p made safe. It reports len(p) written when the underlying
// writer took all of the safe form.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	buf := p
	if len(w.tail) > 0 {
		buf = append(w.tail, p...)
		w.tail = nil
	}
	cut := len(buf) - partialRune(buf)
	if cut < len(buf) {
		w.tail = append([]byte(nil), buf[cut:]...)
	}
	if cut == 0 {
		return len(p), nil
	}
	safe := sanitize(secret.Scrub(string(buf[:cut])), keepNewline|keepTab)
	if _, err := io.WriteString(w.w, safe); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a character left incomplete by the last write (as the
// placeholder: nothing completes it now).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.tail) == 0 {
		return nil
	}
	w.tail = nil
	_, err := io.WriteString(w.w, string(Placeholder))
	return err
}

// partialRune is how many bytes at the end of p begin a UTF-8 character
// that is not complete yet (0 when p ends on a boundary or in an invalid
// sequence, which no later byte can fix).
func partialRune(p []byte) int {
	for n := 1; n <= utf8.UTFMax-1 && n <= len(p); n++ {
		c := p[len(p)-n]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a leading byte: how long should its character be?
			want := 2
			switch {
			case c >= 0xf0:
				want = 4
			case c >= 0xe0:
				want = 3
			}
			if want > n && !utf8.FullRune(p[len(p)-n:]) {
				return n
			}
			return 0
		}
	}
	return 0
}

// EncodeJSON writes v as indented JSON, exactly: every string keeps its
// value. What JSON allows raw but a terminal would obey or hide (C1
// controls, DEL, bidi and other format characters, line separators) is
// written as a \u escape, so the output is safe to print and decodes to
// the same strings. Secrets are scrubbed.
func EncodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, escapeJSON(secret.Scrub(buf.String())))
	return err
}

// Marshal is compact JSON with EncodeJSON's guarantees, for a JSON line in
// a file that someone may print (the audit log).
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return []byte(escapeJSON(secret.Scrub(string(b)))), nil
}

// escapeJSON rewrites the characters of encoded JSON that a terminal would
// act on as \u escapes. They can only occur inside strings (JSON's own
// syntax is ASCII), where the escape means the same character.
func escapeJSON(s string) string {
	var b strings.Builder
	done := 0
	for i, r := range s {
		if r != 0x7f && !hidden(r) {
			continue
		}
		if done == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[done:i])
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		done = i + utf8.RuneLen(r)
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}
