package commands

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
)

var (
	// A gate row of the "Waiting for you" panel: mark, service, gate, SHA.
	gateRowRe = regexp.MustCompile(`│ [▸⏸] (\S+)\s+(hold-\S+)\s+([0-9a-f]{7}) `)
	// The row `a` answers: the selected service's gate.
	markedGateRe = regexp.MustCompile(`│ ▸ (\S+)\s+(hold-production)\s+([0-9a-f]{7}) .*\[a\]pprove`)
	cellRe       = regexp.MustCompile(`([0-9a-f]{7}) ([✓◐✗↺])`)
)

// boardRows lists the board's services in screen order and which is selected.
func boardRows(sc string) (names []string, selected int) {
	selected = -1
	in := false
	for _, l := range strings.Split(sc, "\n") {
		switch {
		case strings.Contains(l, "SERVICE") && strings.Contains(l, "PRODUCTION"):
			in = true
		case in && strings.TrimSpace(l) == "":
			return names, selected
		case in:
			f := strings.Fields(strings.TrimLeft(l, " ▸"))
			if len(f) == 0 {
				continue
			}
			if strings.HasPrefix(l, "▸") {
				selected = len(names)
			}
			names = append(names, f[0])
		}
	}
	return names, selected
}

// boardRow is the board's line for a service.
func boardRow(sc, service string) string {
	for _, l := range strings.Split(sc, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " ▸"), service+" ") && !strings.HasPrefix(l, "│") {
			return l
		}
	}
	return ""
}

// typeText types text literally (send-keys -l), never as key names.
func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	if out, err := tmuxCmd("send-keys", "-t", s.name, "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("type %q: %v %s", text, err, out)
	}
}

// markedGate waits until the panel marks a gate for `a` to answer, moving
// the board's selection to a service with a waiting gate when the selected
// one has none. It returns the service and the gate's short SHA.
func (s *tmuxSession) markedGate(timeout time.Duration) (string, string) {
	s.t.Helper()
	sc := s.waitFor("a gate the panel marks", timeout, func(sc string) bool {
		if markedGateRe.MatchString(sc) {
			return true
		}
		// Nothing marked: select the service of the oldest waiting gate.
		m := gateRowRe.FindStringSubmatch(sc)
		names, at := boardRows(sc)
		to := -1
		if m != nil {
			to = slices.Index(names, m[1])
		}
		if at < 0 || to < 0 {
			return false
		}
		for ; at < to; at++ {
			s.key("j")
		}
		for ; at > to; at-- {
			s.key("k")
		}
		return false
	})
	m := markedGateRe.FindStringSubmatch(sc)
	return m[1], m[3]
}

// TestE2EApprove is the release manager's path through a gate in the TUI:
// see it in the panel, press a, type the protected environment's name, and
// watch production come to run the gate's commit. The audit log then
// holds the approval.
func TestE2EApprove(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	s := startSession(t, 120, 40, nil, bin, "demo", "--speed", "4", "--audit-log", auditLog)
	s.waitFor("the waiting panel", 30*time.Second, contains("Waiting for you"))
	var svc, short string
	// The demo world moves on its own: a newer commit may supersede the
	// gate, or a colleague approve it, between the look and the keys. The
	// re-check refuses then, and the test looks again.
	for attempt := 1; ; attempt++ {
		if attempt > 3 {
			t.Fatal("three tries, and each time the gate was answered or replaced first")
		}
		svc, short = s.markedGate(60 * time.Second)
		s.key("a")
		sc := s.waitFor("the confirmation", 5*time.Second, contains("Approve "+svc+" · hold-production"))
		if !strings.Contains(sc, "approve "+short) {
			s.key("Escape") // the gate changed between the look and the key
			continue
		}
		s.waitFor("the protected prompt", 5*time.Second, contains("Type its name"))
		s.typeText("production")
		s.waitFor("the name to match", 5*time.Second, contains("matches"))
		s.key("Enter")
		sent := "approve sent: " + svc + " hold-production (" + short + " → production)"
		sc = s.waitFor("the approval to be sent or refused", 15*time.Second, func(sc string) bool {
			return strings.Contains(sc, sent) || strings.Contains(sc, "look again before acting")
		})
		if strings.Contains(sc, sent) {
			break
		}
		t.Logf("attempt %d refused by the re-check; looking again:\n%s", attempt, sc)
	}
	t.Logf("approved %s hold-production at %s", svc, short)
	// Production (the last environment on the row) comes to run the
	// gate's commit.
	s.waitFor(svc+" production to run "+short, 120*time.Second, func(sc string) bool {
		vs := cellRe.FindAllStringSubmatch(boardRow(sc, svc), -1)
		return len(vs) > 0 && vs[len(vs)-1][1] == short && vs[len(vs)-1][2] == "✓"
	})
	recs, _, err := audit.Read(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range recs {
		switch {
		case r.Action != "approve":
			t.Errorf("unexpected record: %+v", r)
		case r.Result == audit.ResultOK:
			ok++
			if r.Service != svc || r.Gate != "hold-production" || r.Environment != "production" || !model.SameCommit(r.To, short) {
				t.Errorf("the approval's record: %+v", r)
			}
		case r.Result != audit.ResultRefused:
			t.Errorf("unexpected record: %+v", r)
		}
	}
	if ok != 1 {
		t.Errorf("the audit log should hold one approval: %+v", recs)
	}
	s.key("q")
}

// TestE2EApprovePrompt runs the headless approve on a terminal: it asks,
// a protected environment wants its name typed, and anything else sends
// nothing. The world is the in-process sim, which stands still between
// steps, so no colleague answers the gate first.
func TestE2EApprovePrompt(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	approve := func() *tmuxSession {
		return startSession(t, 120, 20, []string{"CIRCLECI_TOKEN=sim"},
			bin, "--config", aw.cfg, "--audit-log", aw.audit, "approve", "api", ";", "echo", "EXIT=$?", ";", "sleep", "60")
	}
	// The prompt says what the dashboard's modal says: the action, what it
	// calls in the provider's words, what is read again.
	// Between the headline and the calls: where the gate waits, with the
	// commit's subject.
	headline := "approve api hold-production (" + model.ShortSHA(g.SHA) + " → production)\n\"" + g.Subject + "\" in pipeline #"
	question := "calls circleci " + strings.TrimPrefix(extractEndpoint(t, readFile(t, aw.cfg)), "http://") + ": approve job hold-production, and the workflow goes on\n" +
		"flightdeck reads the gate again first and refuses if it was answered meanwhile.\n" +
		"production is protected. Type its name to confirm:"

	s := approve()
	s.waitFor("the question", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, headline) && strings.Contains(sc, question)
	})
	s.typeText("prod")
	s.key("Enter")
	s.waitFor("the refusal", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "not confirmed; nothing was sent") && strings.Contains(sc, "EXIT=3")
	})
	if n := aw.w.Requests()[opApprove]; n != 0 {
		t.Fatalf("an unconfirmed approve sent %d request(s)", n)
	}

	s = approve()
	s.waitFor("the question", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, headline) && strings.Contains(sc, question)
	})
	s.typeText("production")
	s.key("Enter")
	s.waitFor("the approval", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "approve sent: api hold-production ("+model.ShortSHA(g.SHA)+" → production)") && strings.Contains(sc, "EXIT=0")
	})
	if _, hold := aw.simJob("api", g.WorkflowID, "hold-production"); hold.Status != sim.RunSuccess {
		t.Errorf("the gate should be approved: %s", hold.Status)
	}
	recs := aw.auditRecords()
	if len(recs) != 2 || recs[0].Result != audit.ResultRefused || recs[1].Result != audit.ResultOK {
		t.Errorf("audit: want the refusal, then the approval: %+v", recs)
	}
}

// githubGateRe is web's row in the waiting panel: its production
// environment's deployment waiting for review, marked for `a` or not.
var githubGateRe = regexp.MustCompile(`│ ([▸⏸]) web\s+production\s+([0-9a-f]{7}) .*github`)

// TestE2EApproveGitHub approves a GitHub environment's pending deployment
// from the board, as TestE2EApprove does a CircleCI hold: select web, see
// its gate marked, press a, type the name, and watch production come to
// run the commit the run deployed.
func TestE2EApproveGitHub(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	s := startSession(t, 120, 40, nil, bin, "demo", "--speed", "4", "--audit-log", auditLog)
	sc := s.waitFor("web's deployment waiting for review", 60*time.Second, func(sc string) bool {
		if m := githubGateRe.FindStringSubmatch(sc); m != nil && m[1] == "▸" {
			return true
		}
		// Move the selection to web.
		if names, at := boardRows(sc); at >= 0 {
			if to := slices.Index(names, "web"); to > at {
				s.key("j")
			} else if to >= 0 && to < at {
				s.key("k")
			}
		}
		return false
	})
	short := githubGateRe.FindStringSubmatch(sc)[2]
	s.key("a")
	s.waitFor("the confirmation", 5*time.Second, contains("Approve web · production"))
	s.typeText("production")
	s.waitFor("the name to match", 5*time.Second, contains("matches"))
	s.key("Enter")
	s.waitFor("the approval to be sent", 15*time.Second, contains("approve sent: web production ("+short+" → production)"))
	s.waitFor("web production to run "+short, 120*time.Second, func(sc string) bool {
		vs := cellRe.FindAllStringSubmatch(boardRow(sc, "web"), -1)
		return len(vs) > 0 && vs[len(vs)-1][1] == short && vs[len(vs)-1][2] == "✓"
	})
	recs, _, err := audit.Read(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Action != "approve" || recs[0].Result != audit.ResultOK || recs[0].Service != "web" ||
		recs[0].Gate != "production" || !model.SameCommit(recs[0].To, short) {
		t.Errorf("the audit log should hold the one approval: %+v", recs)
	}
	s.key("q")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
