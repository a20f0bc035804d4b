package secret

import (
	"strings"
	"sync"
	"testing"
)

// The registry is process-wide; each test registers values of its own,
// which no other test's text contains.

func TestScrubWholeAndInPart(t *testing.T) {
	tok := "ghp_T3stWh0leAndPart1234567890abcdefXY"
	Register(tok)
	cases := []struct{ in, want string }{
		{"Bad credentials for " + tok + ".", "Bad credentials for " + Mask + "."},
		// An error cut to a length before it was scrubbed keeps the start.
		{"token=" + tok[:12] + "…", "token=" + Mask + "…"},
		// A server echoing the middle of a token.
		{"saw " + tok[10:25] + " here", "saw " + Mask + " here"},
		// Twice, back to back.
		{tok + tok, Mask + Mask},
		// Seven bytes of it are not enough to be told from a word.
		{"prefix " + tok[:Fragment-1] + " end", "prefix " + tok[:Fragment-1] + " end"},
		{"nothing to see", "nothing to see"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Scrub(c.in); got != c.want {
			t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestShortValuesAreNotSecrets(t *testing.T) {
	Register("sim", "", "  ", "1234567")
	for _, s := range []string{"the sim world", "1234567 and more"} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q: a value shorter than %d bytes was taken for a secret", s, got, Fragment)
		}
	}
}

func TestRegisterEnv(t *testing.T) {
	env := map[string]string{
		"AWS_SESSION_TOKEN":   "IQoJb3JpZ2luX2VjEnvSessionTokenValue/abc+def==",
		"AWS_ACCESS_KEY_ID":   "AKIAENVTESTKEY000001",
		"CIRCLECI_CLI_TOKEN":  "CCIPAT_EnvTestToken_0123456789",
		"NOT_A_SECRET_AT_ALL": "visible-value-123",
	}
	RegisterEnv(func(k string) string { return env[k] })
	for k, v := range env {
		got := Scrub("x " + v + " y")
		if k == "NOT_A_SECRET_AT_ALL" {
			if got != "x "+v+" y" {
				t.Errorf("%s was scrubbed: %q", k, got)
			}
			continue
		}
		if strings.Contains(got, v[:Fragment]) {
			t.Errorf("%s survived: %q", k, got)
		}
	}
}

func TestOverlappingSecretsMaskTheLongestRun(t *testing.T) {
	a, b := "OverlapSecretAAAA1111", "OverlapSecretAAAA1111BBBB2222"
	Register(a, b)
	if got := Scrub("<" + b + ">"); got != "<"+Mask+">" {
		t.Errorf("got %q", got)
	}
}

func TestScrubIsSafeConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			v := "ConcurrentSecret-" + strings.Repeat(string(rune('a'+i)), 12)
			Register(v)
			if got := Scrub("[" + v + "]"); got != "["+Mask+"]" {
				t.Errorf("got %q", got)
			}
		})
	}
	wg.Wait()
}

func TestScrubAllocatesNothingOnCleanText(t *testing.T) {
	Register("AllocCheckSecretValue99")
	text := strings.Repeat("an ordinary line of an error message; ", 20)
	if n := testing.AllocsPerRun(100, func() { _ = Scrub(text) }); n != 0 {
		t.Errorf("Scrub allocated %v times on clean text", n)
	}
}

func BenchmarkScrub(b *testing.B) {
	Register("BenchSecretValue-0123456789abcdef", "AKIABENCHMARKKEY0001")
	text := strings.Repeat("service api in cluster prod: deployment ecs-svc/1234 reached steady state. ", 270) // ~20 KB, a frame
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = Scrub(text)
	}
}
