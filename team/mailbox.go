package team

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/ui"
)

// mailbox holds what the server has to tell one session until that
// session's own goroutine hands it over (tea.Program.Send waits for the
// program, and a stalled session's program waits on its client): posting
// never blocks. Pokes for one source coalesce; feed lines queue (the last
// 16).
type mailbox struct {
	mu     sync.Mutex
	pokes  map[any][]string
	order  []any
	lines  []tea.Msg
	signal chan struct{}
}

func newMailbox() *mailbox {
	return &mailbox{pokes: map[any][]string{}, signal: make(chan struct{}, 1)}
}

func (b *mailbox) poke(src any, services []string) {
	b.mu.Lock()
	old, had := b.pokes[src]
	if !had {
		b.order = append(b.order, src)
	}
	b.pokes[src] = append(old, services...)
	b.mu.Unlock()
	b.wake()
}

func (b *mailbox) post(msg tea.Msg) {
	b.mu.Lock()
	b.lines = append(b.lines, msg)
	if len(b.lines) > 16 {
		b.lines = b.lines[len(b.lines)-16:]
	}
	b.mu.Unlock()
	b.wake()
}

func (b *mailbox) wake() {
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

// deliver sends what arrives to p until ctx ends.
func (b *mailbox) deliver(ctx context.Context, p *tea.Program) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.signal:
		}
		b.mu.Lock()
		var msgs []tea.Msg
		for _, src := range b.order {
			msgs = append(msgs, ui.PollNow{Source: src, Services: b.pokes[src]})
		}
		msgs = append(msgs, b.lines...)
		b.pokes, b.order, b.lines = map[any][]string{}, nil, nil
		b.mu.Unlock()
		for _, m := range msgs {
			p.Send(m)
		}
	}
}

// stallWriter is a session's output: when one write has waited longer
// than after (the client stopped reading and the SSH window is full), it
// calls drop, once, which closes the connection and so ends the write.
type stallWriter struct {
	w       io.Writer
	since   atomic.Int64 // unix nanos a write started; 0 when none waits
	dropped atomic.Bool
	done    chan struct{}
	once    sync.Once
}

func newStallWriter(w io.Writer, after time.Duration, drop func()) *stallWriter {
	s := &stallWriter{w: w, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(max(after/4, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if at := s.since.Load(); at != 0 && time.Since(time.Unix(0, at)) > after && !s.dropped.Swap(true) {
					drop()
				}
			}
		}
	}()
	return s
}

func (s *stallWriter) Write(p []byte) (int, error) {
	s.since.Store(time.Now().UnixNano())
	defer s.since.Store(0)
	return s.w.Write(p)
}

func (s *stallWriter) stop() { s.once.Do(func() { close(s.done) }) }
