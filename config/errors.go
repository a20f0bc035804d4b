package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	// Path is the YAML path of the offending key, e.g. "services[1].environments[0].ecs.cluster".
	Path string
	// Line and Column are 1-based; 0 when unknown (a key missing from the whole file).
	Line, Column int
	Message      string
}

// String formats the problem without a file name: "12:7: path: message".
// The path and message are made printable (see printable): both can hold
// text from the file.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, "%d:", p.Column)
		}
		b.WriteByte(' ')
	}
	if p.Path != "" {
		b.WriteString(printable(p.Path))
		b.WriteString(": ")
	}
	b.WriteString(printable(p.Message))
	return b.String()
}

// Errors is every problem found in one config file. Parse returns it as a
// *Errors so the whole list can be shown before the program stops.
type Errors struct {
	// File is the file's name as given, made printable: it is shown, not
	// opened (Config.Path keeps the name itself).
	File     string
	Problems []Problem
}

func newErrors(filename string, problems []Problem) *Errors {
	return &Errors{File: printable(filename), Problems: problems}
}

// Error prints every problem, one per line, in file order, like a compiler:
// "config.yaml:12:7: services[1].environments[0]: has two targets (ecs and beanstalk); choose one".
func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	file := printable(e.File)
	for i, p := range e.Problems {
		switch {
		case file == "":
			lines[i] = p.String()
		case p.Line > 0:
			lines[i] = file + ":" + p.String()
		default:
			lines[i] = file + ": " + p.String()
		}
	}
	return strings.Join(lines, "\n")
}

// printable writes every character of s that is not printable (strconv.IsPrint:
// C0 and C1 controls such as ESC and BEL, NUL, line breaks, bidi overrides
// and isolates, zero-width and other format characters, unusual spaces) as
// the escape %q would write for it (\x1b, \a, \x00, \u202e), and every byte
// that is not UTF-8 as \xff. Everything else, a backslash included, stays as
// it is, so text already written with %q comes out unchanged.
//
// It is the one place an error from this package makes text from the config
// file safe to print: Problem.String and Errors.Error run the path, the
// message and the file name through it, so a key, a name or a value cannot
// drive the terminal the error is printed on, nor reorder what it says.
func printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		var r rune
		r, w = utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+w])
		default:
			q := strconv.QuoteRune(r) // '\x1b', with its quotes
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// sortProblems orders problems by position (whole-file problems first) and
// drops exact repeats, which YAML aliases can produce by reusing one node.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.Compact(ps)
}

// unprintable says r does not print as itself; utf8.RuneError stands for a
// byte that is not UTF-8 as well as for U+FFFD, which only such bytes make.
func unprintable(r rune) bool {
	return r == utf8.RuneError || !strconv.IsPrint(r)
}

// suggest returns the allowed value closest to got, or "" when none is close
// enough to be a plausible typo.
func suggest(got string, allowed []string) string {
	norm := normalise(got)
	best, bestDist := "", 0
	for _, a := range allowed {
		if normalise(a) == norm {
			return a // same word, different case or separators: "endpointURL", "blue-green"
		}
		d := editDistance(got, a)
		if best == "" || d < bestDist {
			best, bestDist = a, d
		}
	}
	limit := 2
	if len(got) <= 4 {
		limit = 1
	}
	if best == "" || bestDist > limit {
		return ""
	}
	return best
}

func normalise(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one, so
// "servcie" is one step from "service".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows are enough for the swap rule, which looks back two.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
