package elbv2

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
	"github.com/airside-dev/flightdeck/sim"
)

// The fuzzers serve odd XML as one operation's answer through the real
// SDK client and mapping, in memory. Seeds: the sim's real answers for
// the demo's listener, rule and target group (captured in testdata, and
// held equal to what the sim answers now by TestSeedsAreTheSims: the
// fuzzing workers, instrumented, need not build a world), and hand-made
// variants with a member missing, empty, of the wrong type, an unknown
// state, and a hostile name.

var fuzzOps = []string{"DescribeListeners", "DescribeTargetHealth", "DescribeRules", "ModifyListener"}

// seedAnswers are the captured answers by Action, and the ARNs they are of.
func seedAnswers(tb testing.TB) (answers map[string][]byte, listener, blue string) {
	answers = map[string][]byte{}
	for _, op := range fuzzOps {
		b, err := os.ReadFile("testdata/" + op + ".xml")
		if err != nil {
			tb.Fatal(err)
		}
		answers[op] = b
	}
	arns, err := os.ReadFile("testdata/arns.txt")
	if err != nil {
		tb.Fatal(err)
	}
	listener, blue, _ = strings.Cut(strings.TrimSpace(string(arns)), "\n")
	return answers, listener, blue
}

var requestID = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)

func TestSeedsAreTheSims(t *testing.T) {
	seeds, listener, blue := seedAnswers(t)
	now, l, b := simAnswers(t)
	if l != listener || b != blue {
		t.Fatalf("the sim's ARNs moved: %s %s", l, b)
	}
	for _, op := range fuzzOps {
		if got, want := requestID.ReplaceAll(now[op], nil), requestID.ReplaceAll(seeds[op], nil); !bytes.Equal(got, want) {
			t.Errorf("%s: the sim answers\n%s\nthe seed is\n%s\n(capture again: write simAnswers' bodies to testdata)", op, got, want)
		}
	}
}

// simAnswers are the sim's answers to the calls Read, TargetHealth and
// SetWeights make, by Action.
func simAnswers(tb testing.TB) (answers map[string][]byte, listener, blue string) {
	w := sim.New(sim.Options{Seed: 3, Clock: fixedClock{t0}})
	w.Step(t0.Add(time.Minute))
	listener, blue, green, _ := w.BlueGreen("checkout")
	h := w.Handler()
	call := func(form url.Values) []byte {
		form.Set("Version", "2015-12-01")
		r, _ := http.NewRequest(http.MethodPost, "http://sim/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp := oddanswers.Serve(h, r)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			tb.Fatalf("%s: %d %s", form.Get("Action"), resp.StatusCode, b)
		}
		return b
	}
	answers = map[string][]byte{
		"DescribeListeners":    call(url.Values{"Action": {"DescribeListeners"}, "ListenerArns.member.1": {listener}}),
		"DescribeTargetHealth": call(url.Values{"Action": {"DescribeTargetHealth"}, "TargetGroupArn": {blue}}),
		"DescribeRules":        call(url.Values{"Action": {"DescribeRules"}, "ListenerArn": {listener}}),
		"ModifyListener": call(url.Values{"Action": {"ModifyListener"}, "ListenerArn": {listener},
			"DefaultActions.member.1.Type": {"forward"},
			"DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn": {blue},
			"DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight":         {"100"},
			"DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn": {green},
			"DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight":         {"0"}}),
	}
	return answers, listener, blue
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// canned answers every call with the answers by Action, the fuzzed one in
// place of its own.
type canned struct {
	answers atomic.Pointer[map[string][]byte]
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(raw))
	w.Header().Set("Content-Type", "text/xml")
	_, _ = io.Copy(w, bytes.NewReader((*c.answers.Load())[form.Get("Action")]))
}

func fuzzClient(tb testing.TB, h http.Handler) *Client {
	c, err := New(context.Background(), Options{Region: "eu-west-1", EndpointURL: "http://fuzz", Anonymous: true,
		HTTPClient: &http.Client{Transport: oddanswers.Transport{Handler: h}}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// oddXML are hand-made odd answers for op, from its real one.
func oddXML(op string, real []byte) [][]byte {
	s := string(real)
	swap := func(old, new string) []byte { return []byte(strings.ReplaceAll(s, old, new)) }
	return [][]byte{
		swap("<Weight>100</Weight>", ""),
		swap("<Weight>100</Weight>", "<Weight>lots</Weight>"),
		swap("<Weight>0</Weight>", "<Weight/>"),
		swap("<ForwardConfig>", "<ForwardConfig><TargetGroups><member/></TargetGroups>"),
		swap("<Type>forward</Type>", "<Type>frobnicated</Type>"),
		swap("<State>healthy</State>", "<State>frobnicated</State>"),
		swap("<State>healthy</State>", ""),
		swap("<TargetHealth>", "<TargetHealth><Description>\x1b]52;c;evil\x07</Description>"),
		swap("checkout-blue", "checkout-\x1b[2Jblue"),
		[]byte("<" + op + "Response><" + op + "Result/></" + op + "Response>"),
		[]byte("<" + op + "Response><" + op + "Result><Listeners><member/></Listeners><TargetHealthDescriptions><member/></TargetHealthDescriptions><Rules><member/></Rules></" + op + "Result></" + op + "Response>"),
		[]byte("<not xml"),
		{},
	}
}

func fuzzOp(f *testing.F, op string, exercise func(c *Client, listener, blue string)) {
	answers, listener, blue := seedAnswers(f)
	seeds := append([][]byte{answers[op]}, oddXML(op, answers[op])...)
	for _, s := range seeds {
		f.Add(s)
	}
	h := &canned{}
	c := fuzzClient(f, h)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := providers.RecoveredPanics()
		mine := map[string][]byte{}
		for k, v := range answers {
			mine[k] = v
		}
		mine[op] = body
		h.answers.Store(&mine)
		exercise(c, listener, blue)
		if providers.RecoveredPanics() != before {
			t.Fatalf("a panic was recovered reading %q", body)
		}
	})
}

func FuzzELBv2DescribeListeners(f *testing.F) {
	fuzzOp(f, "DescribeListeners", func(c *Client, listener, blue string) {
		fw, err := c.Read(context.Background(), listener)
		if err == nil {
			for _, w := range fw.Weights {
				_ = w.TargetGroup
			}
			_, _, _ = c.SetWeights(context.Background(), fw, map[string]int{blue: 0})
		}
	})
}

func FuzzELBv2DescribeTargetHealth(f *testing.F) {
	fuzzOp(f, "DescribeTargetHealth", func(c *Client, _, blue string) {
		h, err := c.TargetHealth(context.Background(), blue)
		if err == nil && (h.Total() < 0 || h.TargetGroup != blue) {
			panic("counts that cannot be")
		}
	})
}

func FuzzELBv2ModifyListener(f *testing.F) {
	fuzzOp(f, "ModifyListener", func(c *Client, listener, blue string) {
		if fw, err := c.Read(context.Background(), listener); err == nil {
			_, _, _ = c.SetWeights(context.Background(), fw, map[string]int{blue: 0})
		}
	})
}
