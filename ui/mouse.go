package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// handleMouse: the wheel moves as ↑ and ↓ do on the screen in front (the
// board's selection, a scrolled screen, the ? overlay); a left click on
// the board selects the row and environment under it, or, in the waiting
// panel, that gate. A click elsewhere, a drag or motion does nothing:
// copying text from the terminal is shift+drag while the mouse is ours
// (docs/screens.md).
func (m Model) handleMouse(msg tea.MouseMsg) (Model, tea.Cmd) {
	if m.act.phase == phaseConfirming || m.width < MinWidth || m.height < MinHeight {
		return m, nil // the modal takes keys only; a notice has no rows
	}
	if msg.Action != tea.MouseActionPress {
		return m, nil
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		return m.wheel(tea.KeyMsg{Type: tea.KeyUp})
	case tea.MouseButtonWheelDown:
		return m.wheel(tea.KeyMsg{Type: tea.KeyDown})
	case tea.MouseButtonLeft:
		if m.screen != screenBoard || m.full || m.board.Filtering() {
			return m, nil
		}
		// The body starts below the header's one line.
		m.board = m.board.Click(m.snap, msg.X, msg.Y-1)
	}
	return m, nil
}

// wheel moves as an arrow key would, except while a filter has the
// keyboard (the arrow would be text there).
func (m Model) wheel(k tea.KeyMsg) (Model, tea.Cmd) {
	if (m.screen == screenBoard && m.board.Filtering()) || (m.screen == screenPicker && m.picker.Filtering()) {
		return m, nil
	}
	return m.handleKey(k)
}
