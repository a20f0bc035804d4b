package theme

// Sign is one glyph of the screens and what it means, for the ? overlay's
// legend.
type Sign struct{ Glyph, Meaning string }

// Legend lists every glyph the screens draw, in the order a reader meets
// them on the board.
func Legend() []Sign {
	return []Sign{
		{GlyphOK, "steady / passed"},
		{GlyphRolling, "deploying / running"},
		{"●", "pipeline in progress (CI column)"},
		{GlyphHold, "waiting for approval"},
		{GlyphRolledBack, "rolled back (rb: rollback)"},
		{GlyphFailed, "failed"},
		{GlyphWarn, "warning: an error beside the last good data, a worse canary"},
		{GlyphUnknown, "unknown / loading"},
		{GlyphQueued, "queued"},
		{GlyphSkipped, "skipped / no CI"},
		{GlyphCanceled, "cancelled"},
		{GlyphPair, "blue/green pair (the cell is its live side)"},
		{"10%", "a canary's (or native blue/green's) weight"},
		{"▓░", "tasks running of desired"},
		{"↑ ↓ ≠ =", "drift: commits ahead, behind, differs, in sync"},
		{GlyphCursor, "selection (also reverse video)"},
	}
}
