package graph

import (
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// label is the text of one job's box: its name, and below it the status
// glyph with the time it took or the status in words.
type label struct {
	name, status string
	glyph        string
	paint        theme.Paint
	width        int // cells the wider of the two lines needs
}

func newLabel(j *model.Job, st theme.Styles, now time.Time) label {
	glyph, paint := st.RunPaint(j.Status)
	status := strings.ReplaceAll(string(j.Status), "_", " ")
	if d, ok := took(j, now); ok {
		status = format.Span(d)
	}
	return label{name: j.Name, status: status, glyph: glyph, paint: paint,
		width: max(format.Width(j.Name), format.Width(glyph)+1+format.Width(status))}
}

// took is how long a job ran, or has been running or waiting for a human
// by now. A job that never started has no time.
func took(j *model.Job, now time.Time) (time.Duration, bool) {
	switch {
	case j.StartedAt.IsZero():
		return 0, false
	case j.Status == model.RunRunning || j.Status == model.RunOnHold:
		return now.Sub(j.StartedAt), !now.IsZero()
	case j.StoppedAt.IsZero():
		return 0, false
	default:
		return j.StoppedAt.Sub(j.StartedAt), true
	}
}
