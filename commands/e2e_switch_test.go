package commands

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// liveRe is the detail's line naming the side of a blue/green pair that
// holds the production CNAME.
var liveRe = regexp.MustCompile(`live\s+(shop-(?:blue|green))\b`)

// TestE2ESwitch: in the demo, open shop, go to production (the shop-blue /
// shop-green pair), press b, type the protected environment's name and
// confirm: the detail shows the other side live. The time from the
// confirmation to the swapped side on screen is logged (no limit asserted:
// it is one poll of the live environment plus a frame).
func TestE2ESwitch(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	// Speed 1: production stays Ready (its first deploy comes about three
	// minutes in), so the switch is allowed.
	s := startSession(t, 120, 40, nil, bin, "demo")
	s.waitFor("the board with shop", 20*time.Second, func(sc string) bool {
		return boardRow(sc, "shop") != "" && regexp.MustCompile(`[0-9a-f]{7} [✓◐✗↺]`).MatchString(boardRow(sc, "shop"))
	})
	// Select shop, open it, move to production.
	for range 10 {
		names, at := boardRows(s.capture())
		if at >= 0 && at < len(names) && names[at] == "shop" {
			break
		}
		s.key("j")
	}
	if names, at := boardRows(s.capture()); at < 0 || names[at] != "shop" {
		t.Fatalf("could not select shop: %v at %d\n%s", names, at, s.capture())
	}
	s.key("Enter")
	s.waitFor("shop's detail", 5*time.Second, contains("revision"))
	s.key("l")
	before := s.waitFor("production's pair", 20*time.Second, func(sc string) bool { return liveRe.MatchString(sc) })
	was := liveRe.FindStringSubmatch(before)[1]
	want := "shop-green"
	if was == "shop-green" {
		want = "shop-blue"
	}

	s.key("b")
	s.waitFor("the switch confirmation", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, "type production first") || strings.Contains(sc, "SwapEnvironmentCNAMEs")
	})
	s.typeText("production")
	s.waitFor("the name typed", 5*time.Second, func(sc string) bool { return !strings.Contains(sc, "type production first") })
	confirmed := time.Now()
	if out, err := tmuxCmd("send-keys", "-t", s.name, "Enter").CombinedOutput(); err != nil {
		t.Fatalf("send-keys Enter: %v %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	var sc string
	for time.Now().Before(deadline) {
		sc = s.capture()
		if m := liveRe.FindStringSubmatch(sc); m != nil && m[1] == want {
			t.Logf("switch: %s live → %s live on screen %s after the confirmation", was, want, time.Since(confirmed).Round(time.Millisecond))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := liveRe.FindStringSubmatch(sc); m == nil || m[1] != want {
		t.Fatalf("after 30s the detail does not show %s live:\n%s", want, sc)
	}
	if !strings.Contains(sc, "shop-prod.") {
		t.Errorf("the production CNAME is not shown with the live side:\n%s", sc)
	}
	s.key("q")
}
