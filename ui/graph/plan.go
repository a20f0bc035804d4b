package graph

import (
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Plan keeps one workflow's graph between frames, so a frame costs the
// lines it shows rather than the whole graph: the layout and the lines
// between layers are worked out once per shape (the jobs' names and
// needs), a box's text again when what it shows changes (its status, its
// times, the clock for a job still running or waiting), the columns when
// the width or a box's text width changes. Lines are drawn on demand, a
// window at a time.
//
// A Plan is not safe for concurrent use; Bubble Tea draws from one
// goroutine.
type Plan struct {
	st     theme.Styles
	synced bool
	jobs   []model.Job // what is drawn, copied when last synced
	layout *model.GraphLayout
	err    error // the layout's: a cycle
	d      *drawing
	width  int
	now    time.Time
	notes  []string
	// bottoms remembers the graph's last line per view, [left, w] → line:
	// finding it visits every box, and Height and Lines both need it.
	bottoms map[[2]int]int
}

// NewPlan is an empty plan drawing in the given styles.
func NewPlan(st theme.Styles) *Plan { return &Plan{st: st} }

// Sync brings the plan up to date with the workflow's jobs, the room and
// the clock, redoing only what they changed. The error is the layout's.
func (p *Plan) Sync(jobs []model.Job, width int, now time.Time) error {
	if !p.synced || !sameShape(p.jobs, jobs) {
		p.relayout(jobs, width, now)
		return p.err
	}
	if p.d == nil {
		return p.err
	}
	refit := width != p.width
	for i := range jobs {
		switch {
		case !sameLook(&p.jobs[i], &jobs[i]):
			p.jobs[i] = copyJob(jobs[i])
		case now.Equal(p.now) || !timed(&jobs[i]) || !p.retimed(i, now):
			continue
		}
		lb := newLabel(&p.jobs[i], p.st, now)
		refit = refit || lb.width != p.d.labels[i].width
		p.d.labels[i] = lb
	}
	p.now = now
	if refit {
		p.fit(width)
	}
	return nil
}

func (p *Plan) relayout(jobs []model.Job, width int, now time.Time) {
	p.synced, p.now, p.d = true, now, nil
	p.jobs = make([]model.Job, len(jobs))
	for i, j := range jobs {
		p.jobs[i] = copyJob(j)
	}
	p.layout, p.err = model.LayoutGraph(p.jobs)
	if p.err != nil || len(p.jobs) == 0 {
		return
	}
	p.d = newDrawing(p.layout, p.st, now)
	p.d.route()
	p.fit(width)
}

func (p *Plan) fit(width int) {
	p.width = width
	p.d.fit(width)
	p.notes = notes(p.layout, p.st, width)
	clear(p.bottoms)
}

// bottom is drawing.bottom, remembered until the columns change.
func (p *Plan) bottom(left, w int) int {
	if b, ok := p.bottoms[[2]int{left, w}]; ok {
		return b
	}
	if p.bottoms == nil {
		p.bottoms = map[[2]int]int{}
	}
	b := p.d.bottom(left, w)
	p.bottoms[[2]int{left, w}] = b
	return b
}

// Width is how many columns the whole graph takes; more than the width
// synced means it is cut, and an offset scrolls it.
func (p *Plan) Width() int {
	if p.d == nil {
		return 0
	}
	return p.d.width
}

// Height is how many lines Render would give at this offset: the graph
// without the blank lines below what is in view, then the notes.
func (p *Plan) Height(offset int) int {
	if p.d == nil {
		return 0
	}
	return p.bottom(p.d.view(p.width, offset)) + len(p.notes)
}

// Lines are lines [from, to) of what Render would give at this offset.
func (p *Plan) Lines(offset, from, to int) []string {
	if p.d == nil {
		return nil
	}
	left, w := p.d.view(p.width, offset)
	graphH := p.bottom(left, w)
	out := make([]string, 0, max(0, to-from))
	if top, end := max(0, from), min(to, graphH); top < end {
		out = append(out, p.d.draw(left, w, top, end-top).lines()...)
	}
	for i := max(from, graphH); i < min(to, graphH+len(p.notes)); i++ {
		out = append(out, p.notes[i-graphH])
	}
	return out
}

// retimed reports whether job i's time reads differently at now: most
// ticks change no running job's "3m".
func (p *Plan) retimed(i int, now time.Time) bool {
	d, ok := took(&p.jobs[i], now)
	return !ok || format.Span(d) != p.d.labels[i].status
}

// copyJob keeps what a plan compares of a job; its needs are copied so
// that the plan's view cannot change under it.
func copyJob(j model.Job) model.Job {
	return model.Job{Name: j.Name, Needs: slices.Clone(j.Needs), Status: j.Status, Approval: j.Approval,
		StartedAt: j.StartedAt, StoppedAt: j.StoppedAt}
}

// sameShape reports whether two workflows lay out alike: the same jobs by
// name, in the same order, with the same needs.
func sameShape(a, b []model.Job) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Needs, b[i].Needs) {
			return false
		}
	}
	return true
}

// sameLook reports whether a job's box would be drawn alike at one time:
// what newLabel and the border read.
func sameLook(a, b *model.Job) bool {
	return a.Status == b.Status && a.Approval == b.Approval && a.StartedAt.Equal(b.StartedAt) && a.StoppedAt.Equal(b.StoppedAt)
}

// timed reports whether a job's box shows a time that grows with the
// clock (see took).
func timed(j *model.Job) bool {
	return !j.StartedAt.IsZero() && (j.Status == model.RunRunning || j.Status == model.RunOnHold)
}
