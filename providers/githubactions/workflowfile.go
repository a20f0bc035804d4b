package githubactions

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
)

// The jobs API says nothing about the order jobs run in, so the graph
// comes from the workflow file at the run's commit, parsed with
// actionlint's parser (the parser half only; no lint rules run).

// wfFile is what the job graph needs of a workflow file.
type wfFile struct {
	Jobs []*wfJob // in file order
}

// wfJob is one job of a workflow file.
type wfJob struct {
	ID    string   // as written; matched case-insensitively, as GitHub does
	Name  string   // the name: key as written, "" when absent
	Needs []string // job ids, lower-cased
	If    string   // the if: condition as written
	Env   string   // the environment's name
	Uses  string   // a reusable workflow call: ./.github/workflows/x.yml or owner/repo/path@ref
	// Combos are the matrix combinations, each a list of key/value pairs in
	// the order GitHub names them; nil without a matrix. Dynamic marks a
	// matrix computed by an expression, whose names are known only once
	// the jobs exist.
	Combos  [][]kv
	Dynamic bool
	// Opaque marks a matrix with values that are not plain scalars: GitHub
	// names them in ways not worth guessing, so names are matched, not
	// predicted.
	Opaque bool
}

type kv struct{ Key, Value string }

// maxMatrix is GitHub's limit of jobs one matrix may make; a file asking
// for more has its names matched, not predicted.
const maxMatrix = 256

// ParseError is a workflow file that could not be read as one.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// parseWorkflow reads the jobs of a workflow file. A file that is not YAML,
// or has no jobs, is a *ParseError; complaints about parts the graph does
// not use (a key GitHub added after the parser was written) are not.
func parseWorkflow(src []byte) (f *wfFile, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &ParseError{Msg: fmt.Sprintf("the parser gave up: %v", r)}
		}
	}()
	w, errs := actionlint.Parse(src)
	first := func(fallback string) error {
		if len(errs) > 0 {
			return &ParseError{Line: errs[0].Line, Msg: oneLine(errs[0].Message, 160)}
		}
		return &ParseError{Msg: fallback}
	}
	if w == nil {
		return nil, first("not a workflow file")
	}
	if len(w.Jobs) == 0 {
		// Prefer the complaint about jobs, if the parser made one.
		for _, e := range errs {
			if strings.Contains(e.Message, `"jobs"`) {
				return nil, &ParseError{Line: e.Line, Msg: oneLine(e.Message, 160)}
			}
		}
		return nil, first("no jobs")
	}
	jobs := make([]*actionlint.Job, 0, len(w.Jobs))
	for _, j := range w.Jobs {
		if j != nil && j.ID != nil {
			jobs = append(jobs, j)
		}
	}
	slices.SortFunc(jobs, func(a, b *actionlint.Job) int { return posCmp(a.ID.Pos, b.ID.Pos) })
	f = &wfFile{}
	for _, j := range jobs {
		f.Jobs = append(f.Jobs, readJob(j))
	}
	return f, nil
}

func posCmp(a, b *actionlint.Pos) int {
	switch {
	case a == nil || b == nil:
		return 0
	case a.IsBefore(b):
		return -1
	case b.IsBefore(a):
		return 1
	}
	return 0
}

func str(s *actionlint.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}

func readJob(j *actionlint.Job) *wfJob {
	out := &wfJob{ID: j.ID.Value, Name: str(j.Name), If: str(j.If)}
	for _, n := range j.Needs {
		if n != nil && n.Value != "" {
			out.Needs = append(out.Needs, strings.ToLower(n.Value))
		}
	}
	if j.Environment != nil {
		out.Env = str(j.Environment.Name)
	}
	if j.WorkflowCall != nil {
		out.Uses = str(j.WorkflowCall.Uses)
	}
	if j.Strategy != nil && j.Strategy.Matrix != nil {
		out.Combos, out.Dynamic, out.Opaque = expandMatrix(j.Strategy.Matrix)
	}
	return out
}

// expandMatrix lists a matrix's combinations as GitHub runs them: the
// product of its rows (in the order written), less the exclude entries,
// then each include entry added to every combination whose original values
// it does not contradict, or appended as a combination of its own when it
// fits none.
func expandMatrix(m *actionlint.Matrix) (combos [][]kv, dynamic, opaque bool) {
	if m.Expression != nil {
		return nil, true, false
	}
	rows := make([]*actionlint.MatrixRow, 0, len(m.Rows))
	for _, r := range m.Rows {
		if r.Expression != nil {
			return nil, true, false
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *actionlint.MatrixRow) int { return posCmp(a.Name.Pos, b.Name.Pos) })
	size := 1
	for _, r := range rows {
		size *= max(1, len(r.Values))
		if size > maxMatrix {
			return nil, true, false // GitHub refuses it; do not build it either
		}
	}

	original := map[string]bool{}
	combos = [][]kv{{}}
	for _, r := range rows {
		key := r.Name.Value
		original[strings.ToLower(key)] = true
		var next [][]kv
		for _, c := range combos {
			for _, v := range r.Values {
				s, ok := scalar(v)
				opaque = opaque || !ok
				next = append(next, append(slices.Clone(c), kv{key, s}))
			}
		}
		combos = next
	}
	if len(rows) == 0 {
		combos = nil
	}

	exclude, dynEx, opEx := combinations(m.Exclude)
	include, dynIn, opIn := combinations(m.Include)
	if dynEx || dynIn {
		return nil, true, false
	}
	opaque = opaque || opEx || opIn
	combos = slices.DeleteFunc(combos, func(c []kv) bool {
		return slices.ContainsFunc(exclude, func(ex []kv) bool { return subset(ex, c) })
	})

	if len(combos)+len(include) > maxMatrix {
		return nil, true, false
	}
	base := len(combos)
	for _, inc := range include {
		fitted := false
		for i := range base {
			if !fits(inc, combos[i], original) {
				continue
			}
			fitted = true
			for _, p := range inc {
				if !original[strings.ToLower(p.Key)] {
					combos[i] = set(combos[i], p)
				}
			}
		}
		if !fitted {
			combos = append(combos, slices.Clone(inc))
		}
	}
	return combos, false, opaque
}

// combinations reads an include or exclude list; each entry's pairs in the
// order written.
func combinations(cs *actionlint.MatrixCombinations) (out [][]kv, dynamic, opaque bool) {
	if cs == nil {
		return nil, false, false
	}
	if cs.Expression != nil {
		return nil, true, false
	}
	for _, c := range cs.Combinations {
		if c.Expression != nil {
			return nil, true, false
		}
		assigns := make([]*actionlint.MatrixAssign, 0, len(c.Assigns))
		for _, a := range c.Assigns {
			assigns = append(assigns, a)
		}
		slices.SortFunc(assigns, func(a, b *actionlint.MatrixAssign) int { return posCmp(a.Key.Pos, b.Key.Pos) })
		var pairs []kv
		for _, a := range assigns {
			s, ok := scalar(a.Value)
			opaque = opaque || !ok
			pairs = append(pairs, kv{a.Key.Value, s})
		}
		out = append(out, pairs)
	}
	return out, false, opaque
}

func scalar(v actionlint.RawYAMLValue) (string, bool) {
	if s, ok := v.(*actionlint.RawYAMLString); ok {
		return s.Value, true
	}
	if v == nil {
		return "", false
	}
	return fmt.Sprint(v), false
}

func lookup(c []kv, key string) (string, bool) {
	for _, p := range c {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}

// subset reports whether every pair of part is in c.
func subset(part, c []kv) bool {
	for _, p := range part {
		if v, ok := lookup(c, p.Key); !ok || v != p.Value {
			return false
		}
	}
	return true
}

// fits reports whether an include entry agrees with c on every original
// matrix key it names.
func fits(inc, c []kv, original map[string]bool) bool {
	for _, p := range inc {
		if !original[strings.ToLower(p.Key)] {
			continue
		}
		if v, ok := lookup(c, p.Key); !ok || v != p.Value {
			return false
		}
	}
	return true
}

// set sets a key in a combination, appending it when new.
func set(c []kv, p kv) []kv {
	for i := range c {
		if strings.EqualFold(c[i].Key, p.Key) {
			c[i].Value = p.Value
			return c
		}
	}
	return append(c, p)
}

// exprRe finds ${{ … }} expressions; matrixRef one that only reads a
// matrix value.
var (
	exprRe    = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	matrixRef = regexp.MustCompile(`^\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*$`)
)

// displayNames are the names the jobs API gives a YAML job's runs, one per
// matrix combination, when they can be known before the jobs exist: the
// name (or id), with expressions of the form ${{ matrix.x }} evaluated,
// and " (v1, v2)" appended for a matrix when the name has no expression.
// ok is false when a name depends on more than the matrix.
func (j *wfJob) displayNames() (names []string, ok bool) {
	base := j.Name
	if base == "" {
		base = j.ID
	}
	if j.Dynamic || j.Opaque {
		return nil, false
	}
	if len(j.Combos) == 0 {
		s, ok := evalName(base, nil)
		return []string{s}, ok
	}
	for _, c := range j.Combos {
		s, ok := evalName(base, c)
		if !ok {
			return nil, false
		}
		if !strings.Contains(base, "${{") && len(c) > 0 {
			vals := make([]string, len(c))
			for i, p := range c {
				vals[i] = p.Value
			}
			s += " (" + strings.Join(vals, ", ") + ")"
		}
		names = append(names, s)
	}
	return names, true
}

// evalName evaluates the matrix references of a name.
func evalName(name string, c []kv) (string, bool) {
	ok := true
	out := exprRe.ReplaceAllStringFunc(name, func(e string) string {
		m := matrixRef.FindStringSubmatch(exprRe.FindStringSubmatch(e)[1])
		if m == nil {
			ok = false
			return e
		}
		v, found := lookup(c, m[1])
		ok = ok && found
		return v
	})
	return out, ok
}

// namePattern matches every name the jobs API may give the job's runs:
// the name with each expression standing for anything, and an optional
// " (…)" suffix for matrix values.
func (j *wfJob) namePattern() string {
	base := j.Name
	if base == "" {
		base = j.ID
	}
	var b strings.Builder
	last := 0
	for _, loc := range exprRe.FindAllStringIndex(base, -1) {
		b.WriteString(regexp.QuoteMeta(base[last:loc[0]]))
		b.WriteString(`.*?`)
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(base[last:]))
	return b.String() + `(?: \(.*\))?`
}

// literalLen is how much of the name is fixed text: longer patterns are
// tried first, so "deploy" does not claim "deploy-canary (x)".
func (j *wfJob) literalLen() int {
	base := j.Name
	if base == "" {
		base = j.ID
	}
	return len(exprRe.ReplaceAllString(base, ""))
}

// localCall is the path of a reusable workflow in the caller's repository
// ("./.github/workflows/x.yml" → ".github/workflows/x.yml"), "" otherwise.
func localCall(uses string) string {
	if p, ok := strings.CutPrefix(uses, "./"); ok {
		return p
	}
	return ""
}
