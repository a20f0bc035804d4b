package providers

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadTailKeepsTheEnd(t *testing.T) {
	var log bytes.Buffer
	for i := range 10000 {
		log.WriteString(strings.Repeat("x", i%50) + " line\n")
	}
	want := log.Bytes()[log.Len()-1000:]
	for name, r := range map[string]*bytes.Reader{"whole": bytes.NewReader(log.Bytes())} {
		for _, rd := range []struct {
			name string
			r    interface{ Read([]byte) (int, error) }
		}{{"plain", r}, {"one byte a read", iotest.OneByteReader(bytes.NewReader(log.Bytes()))}} {
			tail, size, err := ReadTail(rd.r, 1<<20, 1000)
			if err != nil || size != int64(log.Len()) || !bytes.Equal(tail, want) {
				t.Errorf("%s/%s: %d bytes of %d, err %v; tail matches: %v", name, rd.name, len(tail), size, err, bytes.Equal(tail, want))
			}
		}
	}
}

func TestReadTailRefusesAnEndlessLog(t *testing.T) {
	_, size, err := ReadTail(iotest.OneByteReader(strings.NewReader(strings.Repeat("a", 2000))), 1000, 100)
	if !errors.Is(err, ErrLogTooLarge) || size != 1001 {
		t.Errorf("size %d, err %v; want ErrLogTooLarge after 1001 bytes", size, err)
	}
}

func TestLogText(t *testing.T) {
	for _, c := range []struct {
		name, in  string
		truncated bool
		want      string
	}{
		{"colours removed", "\x1b[31mFAIL\x1b[0m ok\r\n", false, "FAIL ok"},
		{"progress bar keeps its last state", "10%\r50%\r100%\ndone\n", false, "100%\ndone"},
		{"cut tail drops its partial line", "tial line\nwhole\n", true, "whole"},
		{"cut tail starts on a rune", "\x9c\xa4 rest\nnext\n", true, "next"},
		{"whole log keeps its first line", "first\nsecond", false, "first\nsecond"},
	} {
		if got := LogText([]byte(c.in), c.truncated); got != c.want {
			t.Errorf("%s: LogText(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
