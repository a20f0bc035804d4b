package commands

import (
	"fmt"
	"runtime/debug"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
)

// crash catches a panic anywhere in the dashboard, in its Update, its View
// or any command's goroutine, and ends the program through Kill, so Bubble
// Tea restores the terminal before anything is printed. Bubble Tea's own
// catching (switched off with tea.WithoutCatchPanics) prints the panic
// value raw to stdout, and a command's panic while the alternate screen
// is still up, where nobody sees it.
type crash struct {
	mu    sync.Mutex
	value any
	stack []byte
	kill  func()
}

// record keeps the first panic and stops the program.
func (c *crash) record(v any) {
	c.mu.Lock()
	first := c.value == nil
	if first {
		c.value, c.stack = v, debug.Stack()
	}
	kill := c.kill
	c.mu.Unlock()
	if first && kill != nil {
		kill()
	}
}

// err is the panic as an error for the command line to print (through
// termsafe like every other message), or nil when there was none.
func (c *crash) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value == nil {
		return nil
	}
	return fmt.Errorf("internal error, the dashboard stopped: %v\n%s", c.value, c.stack)
}

// wrap makes cmd recover into c. A batch's commands are wrapped as they
// are handed out, since Bubble Tea runs each in a goroutine of its own.
func (c *crash) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				c.record(r)
				msg = nil
			}
		}()
		msg = cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			out := make(tea.BatchMsg, len(batch))
			for i, b := range batch {
				out[i] = c.wrap(b)
			}
			return out
		}
		return msg
	}
}

// guarded is the dashboard's model with every entry point under c.
type guarded struct {
	inner tea.Model
	c     *crash
}

func (g guarded) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.c.record(r)
			cmd = nil
		}
	}()
	return g.c.wrap(g.inner.Init())
}

func (g guarded) Update(msg tea.Msg) (next tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.c.record(r)
			next, cmd = g, nil
		}
	}()
	m, cmd := g.inner.Update(msg)
	return guarded{m, g.c}, g.c.wrap(cmd)
}

func (g guarded) View() (view string) {
	defer func() {
		if r := recover(); r != nil {
			g.c.record(r)
			view = ""
		}
	}()
	return g.inner.View()
}
