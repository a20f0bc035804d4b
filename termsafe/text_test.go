package termsafe

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/airside-dev/flightdeck/secret"
)

// Attacks are what an outsider can put in a job name, a commit, an event
// or an error: each drives a terminal or hides text when printed raw.
var Attacks = map[string]string{
	"osc52 clipboard":   "deploy\x1b]52;c;cm0gLXJmIH4=\x07",
	"osc0 title":        "\x1b]0;pwned\x1b\\build",
	"osc8 link":         "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
	"csi clear":         "\x1b[2J\x1b[Hfake screen",
	"sgr conceal":       "\x1b[8mhidden\x1b[0m",
	"8-bit csi":         "a\u009b2Jb",
	"raw 0x9b byte":     "a\x9b2Jb",
	"nul":               "job\x00name",
	"bell":              "ding\a",
	"backspace":         "safe\b\b\b\bevil",
	"carriage return":   "approved\rrejected",
	"del":               "x\x7fy",
	"bidi override":     "test\u202Eyalp\u202C",
	"bidi isolate":      "a\u2066b\u2069c",
	"zero width space":  "prod\u200buction",
	"zero width joiner": "pro\u200dduction",
	"bom":               "\ufeffapi",
	"line separator":    "one\u2028two",
	"tag characters":    "hi\U000E0041\U000E0042",
	"soft hyphen":       "pro\u00adduction",
	"dcs":               "\x1bP1$r0m\x1b\\",
	"apc":               "\x1b_Gf=100;AAAA\x1b\\",
	"nel":               "a\u0085b",
}

// dangerous reports the first character a terminal would obey or hide.
func dangerous(s string, allowNewline, allowSGR bool) (rune, bool) {
	for i, r := range s {
		if r == '\n' && allowNewline {
			continue
		}
		if r == 0x1b && allowSGR && sgrLen(s[i:]) > 0 {
			continue
		}
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], string(Placeholder)) {
			return r, true
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return r, true
		}
		if unicode.Is(unicode.Cf, r) {
			return r, true
		}
	}
	return 0, false
}

func TestLineDefusesEveryAttack(t *testing.T) {
	for name, a := range Attacks {
		got := Line(a)
		if r, bad := dangerous(got, false, false); bad {
			t.Errorf("%s: Line(%q) = %q still carries %U", name, a, got, r)
		}
		if strings.ContainsRune(got, 0x1b) {
			t.Errorf("%s: ESC survived: %q", name, got)
		}
	}
}

func TestLineShowsWhatItRemoved(t *testing.T) {
	cases := []struct{ in, want string }{
		{"deploy\x1b]52;c;AAAA\x07", "deploy␛]52;c;AAAA␇"},
		{"job\x00name", "job␀name"},
		{"prod\u200buction", "prod\uFFFDuction"},
		{"test\u202Eyalp", "test\uFFFDyalp"},
		{"a\x9bb", "a\uFFFDb"},
		{"two\nlines\tand tab", "two lines and tab"},
		{"approved\rrejected", "approved rejected"},
		// Emoji sequences are drawn as one glyph: their joiner stays.
		{"ship it 👩\u200d💻", "ship it 👩\u200d💻"},
		{"é ü 日本 ✓ ◐ ⏸", "é ü 日本 ✓ ◐ ⏸"},
		{"plain ascii", "plain ascii"},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBlockKeepsLines(t *testing.T) {
	got := Block("line one\r\nline two\rline three\n\x1b[31mred\x1b[0m\ttab")
	want := "line one\nline two\nline three\n␛[31mred␛[0m tab"
	if got != want {
		t.Errorf("Block = %q, want %q", got, want)
	}
}

func TestFrameKeepsOurColoursOnly(t *testing.T) {
	ours := "\x1b[1;38;5;212mflightdeck\x1b[0m \x1b[38;2;1;2;3m✓\x1b[m\n│ box │"
	if got := Frame(ours); got != ours {
		t.Errorf("Frame changed our own frame:\n got %q\nwant %q", got, ours)
	}
	for name, a := range Attacks {
		got := Frame(ours + a)
		if r, bad := dangerous(got, true, true); bad {
			t.Errorf("%s: Frame left %U in %q", name, r, got)
		}
		for _, seq := range []string{"\x1b]", "\x1bP", "\x1b_", "\x1b[2J", "\x1b[H"} {
			if strings.Contains(got, seq) {
				t.Errorf("%s: Frame let %q through: %q", name, seq, got)
			}
		}
	}
}

func TestNothingAllocatedWhenClean(t *testing.T) {
	s := "api  production  7d3e2a1 ✓ steady 3m ◐ 2/3"
	frame := "\x1b[1mflightdeck\x1b[0m · demo\n" + s
	if n := testing.AllocsPerRun(100, func() { _ = Line(s); _ = Frame(frame) }); n != 0 {
		t.Errorf("allocated %v times on clean text", n)
	}
}

func TestSecretsNeverPass(t *testing.T) {
	tok := "ghp_TermsafeTestToken0123456789abcdefgh"
	secret.Register(tok)
	for _, f := range []func(string) string{Line, Block, Frame} {
		if got := f("401: " + tok[:20]); strings.Contains(got, tok[:secret.Fragment]) {
			t.Errorf("token piece survived: %q", got)
		}
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	_, _ = w.Write([]byte("error: " + tok + "\n"))
	if strings.Contains(out.String(), tok[:secret.Fragment]) {
		t.Errorf("writer let the token through: %q", out.String())
	}
}

func TestWriterKeepsTablesAndShowsControls(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	_, _ = w.Write([]byte("SERVICE\tSTATE\napi\x1b]0;x\x07\tok\n"))
	want := "SERVICE\tSTATE\napi␛]0;x␇\tok\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestWriterJoinsCharactersSplitAcrossWrites(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	s := "état ✓ 日本"
	for i := range len(s) {
		_, _ = w.Write([]byte{s[i]})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.String() != s {
		t.Errorf("got %q, want %q", out.String(), s)
	}
	out.Reset()
	_, _ = w.Write([]byte("cut \xe2\x9c"))
	_ = w.Flush()
	if out.String() != "cut \uFFFD" {
		t.Errorf("a character left incomplete: got %q", out.String())
	}
}

func TestEncodeJSONIsExactAndSafe(t *testing.T) {
	type rec struct {
		Name string `json:"name"`
	}
	for name, a := range Attacks {
		var out bytes.Buffer
		if err := EncodeJSON(&out, rec{Name: a}); err != nil {
			t.Fatal(err)
		}
		if r, bad := dangerous(out.String(), true, false); bad {
			t.Errorf("%s: JSON output carries %U raw: %q", name, r, out.String())
		}
		var back rec
		if err := json.Unmarshal(out.Bytes(), &back); err != nil {
			t.Fatalf("%s: output does not parse: %v", name, err)
		}
		want := validUTF8(a)
		if back.Name != want {
			t.Errorf("%s: round trip changed the string: %q, want %q", name, back.Name, want)
		}
	}
}

type inner struct {
	Msg  string
	Log  string `termsafe:"block"`
	hide string
}

type outer struct {
	Name    string
	Items   []inner
	Ptr     *inner
	ByID    map[string]inner
	Err     error
	Any     any
	Arr     [2]string
	private string
}

func TestCleanReachesEveryField(t *testing.T) {
	bad := "x\x1b]52;c;AAAA\x07"
	base := errors.New("read failed: " + bad)
	v := outer{
		Name:    bad,
		Items:   []inner{{Msg: "fine"}, {Msg: bad, Log: "a\nb" + bad}},
		Ptr:     &inner{Msg: bad},
		ByID:    map[string]inner{"k": {Msg: bad}},
		Err:     base,
		Any:     inner{Msg: bad},
		Arr:     [2]string{"ok", bad},
		private: bad,
	}
	got := Clean(v)
	for _, s := range []string{got.Name, got.Items[1].Msg, got.Ptr.Msg, got.ByID["k"].Msg, got.Err.Error(), got.Any.(inner).Msg, got.Arr[1]} {
		if strings.ContainsRune(s, 0x1b) || strings.ContainsRune(s, 0x07) {
			t.Errorf("a field kept its escape: %q", s)
		}
	}
	if got.Items[1].Log != "a\nbx␛]52;c;AAAA␇" {
		t.Errorf("block field: %q", got.Items[1].Log)
	}
	if !errors.Is(got.Err, base) {
		t.Error("the cleaned error no longer unwraps to the original")
	}
	// The original is untouched: a provider may keep what it returned.
	if v.Name != bad || v.Items[1].Msg != bad || v.Ptr.Msg != bad || v.ByID["k"].Msg != bad {
		t.Error("Clean changed its argument")
	}
	if got.Items[0].Msg != "fine" {
		t.Error("a clean element was lost")
	}
}

func TestCleanReturnsCleanValuesAsTheyAre(t *testing.T) {
	v := outer{Name: "api", Items: []inner{{Msg: "ok"}}, Ptr: &inner{Msg: "ok"}}
	got := Clean(v)
	if got.Ptr != v.Ptr || &got.Items[0] != &v.Items[0] {
		t.Error("Clean copied a value that needed no change")
	}
}

// FuzzSanitize checks the promise on any input: no control survives Line
// or the writer, only colour sequences survive Frame, and JSON round-trips.
func FuzzSanitize(f *testing.F) {
	for _, a := range Attacks {
		f.Add(a)
	}
	f.Add("\x1b[1;38;5;212mok\x1b[0m\n")
	f.Fuzz(func(t *testing.T, s string) {
		if r, bad := dangerous(Line(s), false, false); bad {
			t.Fatalf("Line(%q) carries %U", s, r)
		}
		if r, bad := dangerous(Block(s), true, false); bad {
			t.Fatalf("Block(%q) carries %U", s, r)
		}
		if r, bad := dangerous(Frame(s), true, true); bad {
			t.Fatalf("Frame(%q) carries %U", s, r)
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		_, _ = w.Write([]byte(s))
		_ = w.Flush()
		if r, bad := dangerous(strings.ReplaceAll(out.String(), "\t", " "), true, false); bad {
			t.Fatalf("Writer(%q) carries %U", s, r)
		}
		out.Reset()
		if err := EncodeJSON(&out, s); err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(out.Bytes(), &back); err != nil || back != validUTF8(s) {
			t.Fatalf("JSON round trip of %q: %q, %v", s, back, err)
		}
	})
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}
