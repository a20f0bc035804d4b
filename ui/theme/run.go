package theme

import "github.com/airside-dev/flightdeck/model"

// Glyphs for CI run states that deployments do not have.
const (
	GlyphQueued   = "○"
	GlyphSkipped  = "–"
	GlyphCanceled = "⊘"
)

// RunPaint returns the glyph and paint for the status of a pipeline,
// workflow or job. Blocked (waiting on its needs) and unknown statuses
// share the dot: nothing has happened to the run yet.
func (s Styles) RunPaint(st model.RunStatus) (string, Paint) {
	looks := [...]struct {
		status model.RunStatus
		glyph  string
		paint  Paint
	}{
		{model.RunSuccess, GlyphOK, s.P.OK},
		{model.RunFailed, GlyphFailed, s.P.Failed},
		{model.RunRunning, GlyphRolling, s.P.Rolling},
		{model.RunOnHold, GlyphHold, s.P.Hold},
		{model.RunQueued, GlyphQueued, s.P.Unknown},
		{model.RunSkipped, GlyphSkipped, s.P.Dim},
		{model.RunCanceled, GlyphCanceled, s.P.Warn},
	}
	for _, l := range looks {
		if l.status == st {
			return l.glyph, l.paint
		}
	}
	return GlyphUnknown, s.P.Unknown
}
