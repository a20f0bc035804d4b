package format

import (
	"math"
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 12 * time.Second: "12s", 4 * time.Minute: "4m",
		3 * time.Hour: "3h", 47 * time.Hour: "47h", 50 * time.Hour: "2d",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestBar(t *testing.T) {
	for _, tc := range []struct {
		done, total, w int
		want           string
	}{
		{3, 5, 10, "▓▓▓▓▓▓░░░░"}, {0, 3, 3, "░░░"}, {9, 3, 3, "▓▓▓"}, {1, 0, 2, "░░"}, {1, 1, 0, ""},
	} {
		if got := Bar(tc.done, tc.total, tc.w); got != tc.want {
			t.Errorf("Bar(%d,%d,%d) = %q", tc.done, tc.total, tc.w, got)
		}
	}
}

func TestWidthSkipsEscapesAndCountsGlyphs(t *testing.T) {
	for s, want := range map[string]int{
		"abc": 3, "\x1b[31m✓\x1b[0m ok": 4, "◐ ▓▓░ 1/3": 9, "": 0, "⌛": 2,
	} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestFitAndTruncate(t *testing.T) {
	if got := Fit("abc", 5); got != "abc  " {
		t.Errorf("Fit pad = %q", got)
	}
	if got := Fit("abcdef", 4); Width(got) != 4 {
		t.Errorf("Fit cut = %q", got)
	}
	if got := TruncateLeft("123.dkr.ecr/api:3f2a1c9", 10); got != "…i:3f2a1c9" {
		t.Errorf("TruncateLeft = %q", got)
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 40 * time.Second: "40s", 12 * time.Minute: "12m", 2*time.Hour + 5*time.Minute: "2h 5m",
		3 * time.Hour: "3h", 73 * time.Hour: "3d 1h", 96 * time.Hour: "4d", 96*time.Hour + 30*time.Minute: "4d",
	} {
		if got := Span(d); got != want {
			t.Errorf("Span(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestByline(t *testing.T) {
	subject := "Fix the login redirect loop on Safari"
	for _, c := range []struct {
		subject, author string
		w               int
		want            string
	}{
		{subject, "Ada Lovelace", 80, subject + " · Ada Lovelace"},
		// The subject gives way first…
		{subject, "Ada Lovelace", 40, "Fix the login redirect l… · Ada Lovelace"},
		// …down to 20 cells; then the author goes.
		{subject, "Ada Lovelace", 30, "Fix the login redirect loop o…"},
		// A short subject keeps the author in little room.
		{"Bump deps", "Ada", 20, "Bump deps · Ada"},
		{"  Two\n lines ", "", 20, "Two lines"},
		{"", "Ada Lovelace", 20, "Ada Lovelace"},
	} {
		got := Byline(c.subject, c.author, c.w)
		if got != c.want {
			t.Errorf("Byline(%q, %q, %d) = %q, want %q", c.subject, c.author, c.w, got, c.want)
		}
		if Width(got) > c.w {
			t.Errorf("Byline(%q, %q, %d) takes %d cells", c.subject, c.author, c.w, Width(got))
		}
	}
}

// Emoji as commit subjects carry them (gitmoji) take the cells a terminal
// gives them, so a row never overflows its border.
func TestWidthOfEmoji(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"♻️ Refactor", 11},  // recycling sign + variation selector: 2 cells
		{"⬆️ Bump deps", 12}, // arrow + variation selector
		{"👨‍👩‍👧 family", 9},  // one cluster joined by ZWJs: 2 cells
		{"🚀 ship", 7},
		{"✓ ◐ ▓░", 6}, // the board's glyphs: one cell each
	} {
		if got := Width(c.s); got != c.want {
			t.Errorf("Width(%q) = %d, want %d", c.s, got, c.want)
		}
		for _, w := range []int{5, 8, 30} {
			if got := Width(Fit(c.s, w)); got != w {
				t.Errorf("Fit(%q, %d) takes %d cells", c.s, w, got)
			}
		}
	}
}

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		series []float64
		width  int
		want   string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, "▁▂▃▄▅▆▇█"},
		{[]float64{7, nan, 0, 3.5}, 4, "█ ▁▅"},        // a gap is a space, not a low
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, 3, "▁▅█"}, // the last three minutes, scaled among themselves
		{[]float64{100, 107}, 2, "▁█"},                // lowest to highest shown, not from zero
		{[]float64{0, 0, 0}, 5, "▁▁▁"},
		{[]float64{4, 4}, 5, "▄▄"},
		{[]float64{nan, nan}, 5, "  "},
		{[]float64{-3, 2}, 2, "▁█"},
		{nil, 5, ""},
		{[]float64{1}, 0, ""},
	} {
		if got := Sparkline(c.series, c.width); got != c.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", c.series, c.width, got, c.want)
		}
	}
}
