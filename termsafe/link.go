package termsafe

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
)

// Hyperlinks (OSC 8) are the one escape sequence besides colour that a
// frame may carry, and only flightdeck's own: each carries this process's
// link id, a random value no outside text can know, so Frame keeps them
// and still defuses any other OSC 8 that a missed field might carry. Text
// inside a link is drawn as any other text; the address is not printed.

// linkID is this process's OSC 8 id parameter.
var linkID = func() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "id=fd" + hex.EncodeToString(b)
}()

const (
	osc8   = "\x1b]8;"
	st     = "\x1b\\"
	maxURL = 2048
)

// linkClose ends a link: an empty address. It carries our id too, so a
// closer from outside text is defused like any other escape.
var linkClose = osc8 + linkID + ";" + st

// Link makes text a hyperlink to u, where u is an http(s) address of
// printable ASCII; otherwise it returns text alone. text must already be
// safe to print (it is drawn as it is).
func Link(u, text string) string {
	if !linkable(u) {
		return text
	}
	return osc8 + linkID + ";" + u + st + text + linkClose
}

func linkable(u string) bool {
	if len(u) == 0 || len(u) > maxURL {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= 0x20 || u[i] >= 0x7f || u[i] == ';' && !strings.Contains(u[:i], "?") {
			return false
		}
	}
	pu, err := url.Parse(u)
	return err == nil && (pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != ""
}

// linkLen is the length of one of our link sequences at the start of s (an
// opener with our id and a linkable address, or the closer), or 0.
func linkLen(s string) int {
	if strings.HasPrefix(s, linkClose) {
		return len(linkClose)
	}
	rest, ok := strings.CutPrefix(s, osc8+linkID+";")
	if !ok {
		return 0
	}
	end := strings.Index(rest, st)
	if end < 0 || !linkable(rest[:end]) {
		return 0
	}
	return len(s) - len(rest) + end + len(st)
}
