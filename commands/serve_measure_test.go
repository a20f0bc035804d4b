package commands

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim"
)

func sumRequests(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestServeMeasure measures team mode against the sim (frozen in time, so
// every minute asks the same of it): API requests per minute with one
// session and with twenty, heap per extra session, and the time from one
// member's confirmation to the line on another's screen. It asserts
// nothing about time; run it with FLIGHTDECK_MEASURE=1 and read the log.
func TestServeMeasure(t *testing.T) {
	if os.Getenv("FLIGHTDECK_MEASURE") != "1" {
		t.Skip("measurement: FLIGHTDECK_MEASURE=1 to run")
	}
	const window = time.Minute
	s := startServe(t, map[string]string{"ana": "approver", "li": "viewer"}, "")
	first := s.open(t, "ana", 120, 40, true)
	first.waitFor("the board", 20*time.Second, func(o string) bool { return strings.Contains(o, "SERVICE") })
	time.Sleep(5 * time.Second)
	before := sumRequests(s.world.Requests())
	time.Sleep(window)
	one := sumRequests(s.world.Requests()) - before

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var more []*sshClient
	for range 19 {
		c := s.open(t, "li", 120, 40, true)
		more = append(more, c)
	}
	for _, c := range more {
		c.waitFor("the board", 30*time.Second, func(o string) bool { return strings.Contains(o, "SERVICE") })
		c.out.mu.Lock()
		c.out.b.Reset() // keep only what comes next, so the test's own buffers stay small
		c.out.mu.Unlock()
	}
	time.Sleep(5 * time.Second)
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	before = sumRequests(s.world.Requests())
	time.Sleep(window)
	twenty := sumRequests(s.world.Requests()) - before
	perMin := func(n int) float64 { return float64(n) * float64(time.Minute) / float64(window) }
	t.Logf("API requests per minute: 1 session %.0f, 20 sessions %.0f", perMin(one), perMin(twenty))
	t.Logf("heap per extra session: %.2f MB (heap in use %0.1f MB → %0.1f MB for 19 more; client side included)",
		float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/19/(1<<20), float64(m0.HeapAlloc)/(1<<20), float64(m1.HeapAlloc)/(1<<20))

	// One member acts; the time until the line shows on another's screen.
	watcher := more[0]
	first.send("l")
	first.waitFor("staging selected", 5*time.Second, func(o string) bool { return strings.Contains(o, "▸STAGING") })
	first.send("l")
	first.waitFor("production selected", 5*time.Second, func(o string) bool { return strings.Contains(o, "▸PRODUCTION") })
	first.send("r")
	first.waitFor("the picker", 10*time.Second, func(o string) bool { return strings.Contains(o, "api-production:") })
	first.send("\r")
	first.waitFor("the confirmation", 5*time.Second, func(o string) bool { return strings.Contains(o, "Type its name") })
	first.send("production")
	first.waitFor("the name to match", 5*time.Second, func(o string) bool { return strings.Contains(o, "matches") })
	start := time.Now()
	first.send("\r")
	var sent, seen time.Duration
	for time.Since(start) < 30*time.Second && (sent == 0 || seen == 0) {
		if sent == 0 && strings.Contains(first.text(), "rollback sent") {
			sent = time.Since(start)
		}
		if seen == 0 && strings.Contains(watcher.text(), "ana rolled api/production back to") {
			seen = time.Since(start)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("action to the actor's own result: %s; to the line on another session's screen: %s", sent, seen)
}

// TestServeMeasureWebhook measures the time from a verified CircleCI
// webhook to every one of twenty sessions showing what changed (a gate
// approved behind flightdeck's back). The poller would see it too, within
// its hot pace (2 s); what the webhook saves is that wait. Run it with
// FLIGHTDECK_MEASURE=1.
func TestServeMeasureWebhook(t *testing.T) {
	if os.Getenv("FLIGHTDECK_MEASURE") != "1" {
		t.Skip("measurement: FLIGHTDECK_MEASURE=1 to run")
	}
	t.Setenv("FLIGHTDECK_CIRCLECI_WEBHOOK_SECRET", "cci-hook-secret-5678")
	s := startServe(t, map[string]string{"li": "viewer"}, "", "--webhooks", "127.0.0.1:0")
	base := regexp.MustCompile(`webhooks on (http://\S+) `).FindStringSubmatch(s.log.String())[1]
	gate := regexp.MustCompile(`payments\s+hold-production`)
	var cs []*sshClient
	for range 20 {
		c := s.open(t, "li", 120, 40, true)
		cs = append(cs, c)
	}
	for _, c := range cs {
		c.waitFor("the payments gate", 30*time.Second, func(o string) bool { return gate.MatchString(o) })
	}
	var pipeline, job string
	for _, p := range s.world.Pipelines("payments") {
		for _, w := range p.Workflows {
			for _, j := range w.Jobs {
				if j.Name == "hold-production" && j.Status == sim.RunOnHold {
					pipeline, job = p.ID, j.ID
				}
			}
		}
	}
	if job == "" {
		t.Fatal("no payments gate on hold in the sim")
	}
	counts := regexp.MustCompile(`Waiting for you \((\d+)\)`).FindAllStringSubmatch(cs[0].text(), -1)
	n, _ := strconv.Atoi(counts[len(counts)-1][1])
	fewer := fmt.Sprintf("Waiting for you (%d)", n-1)
	for _, c := range cs {
		c.out.mu.Lock()
		c.out.b.Reset()
		c.out.mu.Unlock()
	}
	if err := s.world.ApproveJob(pipeline, job, sim.Person{Name: "Sam Ortiz", Login: "sortiz"}); err != nil {
		t.Fatal(err)
	}
	body := `{"type":"job-completed"}`
	h := hmac.New(sha256.New, []byte("cci-hook-secret-5678"))
	h.Write([]byte(body))
	req, _ := http.NewRequest("POST", base+"/circleci", strings.NewReader(body))
	req.Header.Set("circleci-signature", "v1="+hex.EncodeToString(h.Sum(nil)))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var last time.Duration
	for i, c := range cs {
		for time.Since(start) < 30*time.Second && !strings.Contains(c.text(), fewer) {
			time.Sleep(2 * time.Millisecond)
		}
		if d := time.Since(start); d > last {
			last = d
		}
		_ = i
	}
	t.Logf("verified webhook → all 20 sessions redrawn with the change: %s (hot poll pace: 2s)", last)
}
