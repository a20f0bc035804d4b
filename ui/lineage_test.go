package ui

import (
	"errors"
	"testing"
	"time"
)

// Each question is asked once while in flight, again only lineageRetry
// after a failure, never after an answer; and the memory stays bounded.
func TestAnswersAskOnceRetryLaterAndStayBounded(t *testing.T) {
	a := newAnswers[int, string]()
	now := t0
	if !a.ask(1, now) || a.ask(1, now) {
		t.Fatal("a question is asked once while in flight")
	}
	a.answered(1, "", errors.New("no route to host"))
	if a.ask(1, now.Add(time.Minute)) {
		t.Error("a failed question waits before it is asked again")
	}
	if !a.ask(1, now.Add(lineageRetry)) {
		t.Error("a failed question is asked again after lineageRetry")
	}
	a.answered(1, "one", nil)
	if v, ok := a.get(1); !ok || v != "one" || a.ask(1, now.Add(time.Hour)) {
		t.Errorf("an answered question is never asked again: %q %v", v, ok)
	}
	for k := 2; k < 3*maxAnswers; k++ {
		if a.ask(k, now) {
			a.answered(k, "x", nil)
		}
	}
	if len(a.done) > maxAnswers {
		t.Errorf("memory grew past the bound: %d answers", len(a.done))
	}
	// A host down for hours: every question fails, one poll after another.
	b := newAnswers[int, string]()
	for k := range 3 * maxAnswers {
		at := now.Add(time.Duration(k) * time.Second)
		if b.ask(k, at) {
			b.answered(k, "", errors.New("no route to host"))
		}
	}
	if len(b.asked) > maxAnswers+int(lineageRetry/time.Second) {
		t.Errorf("failed questions grew past the bound: %d", len(b.asked))
	}
}
