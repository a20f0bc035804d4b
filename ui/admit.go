package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui/auditview"
	"github.com/airside-dev/flightdeck/ui/picker"
)

// admit is the TUI's edge for outside text: every message that carries
// what a provider, the audit log or a repository host answered passes
// through termsafe.Clean here, before any screen reads it, so no field
// (names, messages, errors, ids, whatever is added later to these types)
// can reach the terminal with a control in it or a secret. The frame is
// filtered once more on the way out (View), which only catches mistakes.
//
// A message type that carries outside data must be listed here; the
// hostile-server test (hostile_test.go) serves attacks through every
// field and fails if one is missed.
func admit(msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case fetchedMsg:
		m.result = termsafe.Clean(m.result)
		return m
	case ciFetchedMsg:
		m.result = termsafe.Clean(m.result)
		return m
	case guardedMsg:
		m.err, m.commits = termsafe.Clean(m.err), termsafe.Line(m.commits)
		return m
	case ranMsg:
		m.result, m.err = termsafe.Clean(m.result), termsafe.Clean(m.err)
		return m
	case commitMsg:
		m.commit, m.err = termsafe.Clean(m.commit), termsafe.Clean(m.err)
		return m
	case comparedMsg:
		m.cmp, m.err = termsafe.Clean(m.cmp), termsafe.Clean(m.err)
		return m
	case linkMsg:
		m.text, m.err = termsafe.Line(m.text), termsafe.Clean(m.err)
		return m
	case logMsg:
		m.log, m.err = termsafe.Clean(m.log), termsafe.Clean(m.err)
		return m
	case picker.LoadedMsg:
		return termsafe.Clean(m)
	case auditview.LoadedMsg:
		return termsafe.Clean(m)
	}
	return msg
}
