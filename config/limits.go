package config

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
)

// What a config file may be, checked before the YAML parser runs. goccy's
// parser does work that grows with the square of how deep the file nests
// (100,000 nested "[" in 200 KB take more memory than a laptop has) and of
// how many documents it holds (200,000 "---" documents take over a minute),
// and the config is read before the screen opens, so a hostile or broken
// file must be refused at once, not after the machine has swapped.
const (
	// maxFileSize is 1 MiB. The example config is 5 KB; a file for a few
	// hundred services with every block filled in stays well under 500 KB.
	maxFileSize = 1 << 20
	// maxDepth bounds flow nesting ("[" and "{" inside each other) and,
	// separately, block nesting (indentation levels, counting each "- ",
	// "? " or ": " that opens a node within a line). A real config nests
	// fewer than 10 deep (services[].environments[].canary.steps[] is 7
	// levels, the document's own mapping included); 64 is far more than a
	// person writes by hand and keeps the parser's depth-squared work to
	// microseconds.
	maxDepth = 64
	// maxProperties is how many anchors (&) and tags (!) may stand in a
	// row: YAML gives a value at most one of each, and goccy's parser nests
	// every one of a run inside the next (200,000 "&a " took 100 s).
	maxProperties = 2
	// maxOpenTags bounds the tags with nothing after them on their line.
	// goccy's parser takes whatever comes next as such a tag's value, even
	// a sibling at the same indentation, so each nests the rest of the
	// file one level deeper (16,000 "a: !t" lines, each followed by a
	// sibling, took 4 s, growing with the square). A config needs no tags.
	maxOpenTags = maxDepth
	// maxEmptyValues bounds the values left empty: a key or "- " with
	// nothing after it and nothing indented below it, a flow key with no
	// value. goccy's parser inserts a token for each into the middle of
	// its list of every token, so the work grows with their number times
	// the file's size (80,000 empty keys in 630 KB took 16 s). A config
	// has a handful at the most.
	maxEmptyValues = 256
)

func tooLarge(size int64) *Problem {
	if size < 0 {
		return &Problem{Message: fmt.Sprintf("the file is larger than 1 MiB (%d bytes), the most a config file may be; it was not read further", maxFileSize)}
	}
	return &Problem{Message: fmt.Sprintf("the file is %d bytes; a config file may be at most 1 MiB (%d bytes)", size, maxFileSize)}
}

const oneDocument = "flightdeck reads one YAML document per file"

func secondDocument(at position) *Problem {
	return &Problem{Line: at.line, Column: at.col, Message: "a second YAML document starts here; " + oneDocument}
}

func afterDocumentEnd(at position) *Problem {
	return &Problem{Line: at.line, Column: at.col, Message: "text after the end of the document (...); " + oneDocument}
}

const (
	flowNesting  = "[ and { are"
	blockNesting = "indentation levels are"
)

func tooDeep(at position, what string) *Problem {
	return &Problem{Line: at.line, Column: at.col, Message: fmt.Sprintf(
		"%s nested more than %d deep; a config nests fewer than 10 deep, so flightdeck stops reading here", what, maxDepth)}
}

func tooManyProperties(at position) *Problem {
	return &Problem{Line: at.line, Column: at.col, Message: fmt.Sprintf(
		"more than %d anchors (&) and tags (!) in a row; a value takes at most one of each", maxProperties)}
}

func tooManyEmptyValues(at position) *Problem {
	return &Problem{Line: at.line, Column: at.col, Message: fmt.Sprintf(
		"more than %d empty values (a key or - with nothing after or below it); the YAML parser's work grows with their number times the file's size, so flightdeck stops reading here", maxEmptyValues)}
}

func tooManyOpenTags(at position) *Problem {
	return &Problem{Line: at.line, Column: at.col, Message: fmt.Sprintf(
		"more than %d tags (!) with nothing after them on their line; the YAML parser nests what follows each one inside it, so flightdeck stops reading here", maxOpenTags)}
}

// levels is the stack of open block indentation columns, as YAML keeps
// them: a line, or a node within a line, opens a level at its column when
// that is deeper than the innermost open one. It never holds more than
// maxDepth+1 columns: the caller refuses the file as soon as it would.
type levels []int

// line closes every level deeper than a line starting at col, then opens
// col if it is new. It reports whether the depth is still within maxDepth.
func (l *levels) line(col int) bool {
	for len(*l) > 0 && (*l)[len(*l)-1] > col {
		*l = (*l)[:len(*l)-1]
	}
	return l.open(col)
}

// open opens a level at col for a node that starts within a line, when it
// is deeper than the innermost open one.
func (l *levels) open(col int) bool {
	if len(*l) == 0 || (*l)[len(*l)-1] < col {
		*l = append(*l, col)
	}
	return len(*l) <= maxDepth
}

// flowEntry is what an entry of an open flow collection holds so far, to
// tell an empty value: "{a, b: }" leaves both a and b without one.
type flowEntry struct {
	isMap      bool // in a {...}
	key, colon bool // something was written; a ":" followed it
	value      bool // something was written after the ":"
}

// write notes something written in the entry: its key, or its value.
func (e *flowEntry) write() {
	if e.colon {
		e.value = true
	} else {
		e.key = true
	}
}

// end ends the entry at a "," or the closing bracket, and reports whether
// it left a value empty.
func (e *flowEntry) end() bool {
	empty := e.colon && !e.value || e.isMap && e.key && !e.colon
	*e = flowEntry{isMap: e.isMap}
	return empty
}

// propertyRun is the anchors and tags standing in a row before a value.
type propertyRun struct {
	n   int
	tag bool // one of them is a tag
}

// add counts one; it reports whether the run is still within maxProperties.
func (r *propertyRun) add(tag bool) bool {
	r.n++
	r.tag = r.tag || tag
	return r.n <= maxProperties
}

// open reports whether a run holding a tag is waiting for its value: at
// the end of a line, goccy's parser takes whatever follows as that value.
func (r propertyRun) open() bool { return r.n > 0 && r.tag }

// empties counts the values a file leaves empty against maxEmptyValues.
type empties int

func (n *empties) add() bool {
	*n++
	return *n <= maxEmptyValues
}

// precheck refuses, with the line, a file over maxFileSize, a second YAML
// document, and whatever goes past the other limits above. It reads the bytes
// once, line by line, keeping a few counters and at most maxDepth+1
// columns, and follows enough of YAML to pass over what is not structure:
// quoted scalars (across lines too), comments, block scalars (| and >), and
// plain scalars, in which "[" is only a character.
//
// It is the cheap first line, refusing a hostile file in microseconds.
// checkTokens then holds goccy's own tokens to the same limits, so a file
// that goccy reads otherwise than this scan (goccy has readings of its own)
// still cannot take the parser past them.
func precheck(data []byte) *Problem {
	if len(data) > maxFileSize {
		return tooLarge(-1) // Load reads at most one byte past the limit
	}
	s := byteScan{pending: -1}
	for n, rest := 1, data; ; n++ {
		end := bytes.IndexAny(rest, "\r\n")
		s.n, s.text = n, rest
		if end >= 0 {
			s.text = rest[:end]
		}
		if p := s.scanLine(); p != nil {
			return p
		}
		if end < 0 {
			return nil
		}
		if rest[end] == '\r' && end+1 < len(rest) && rest[end+1] == '\n' {
			end++
		}
		rest = rest[end+1:]
	}
}

// byteScan is precheck's state.
type byteScan struct {
	n    int    // the line being read, 1-based
	text []byte // its text, without the line break

	levels       levels
	flow         []flowEntry // the open [ and {, innermost last
	quote        byte        // '"' or '\'' while a quoted scalar runs on past a line
	owner        int         // the column of that scalar or flow collection (see node)
	blockScalar  bool        // inside the content of a | or > scalar
	scalarOwner  int         // whose content is indented deeper than this
	scalarIndent int         // as deep as its first line, once known; else -1
	properties   propertyRun // up to here
	openTags     int         // tags that ended their line
	empties      empties
	pending      int  // the column of a key or "- " that ended its line, or -1
	pendingKey   bool // that was a key, whose value may be a list at its column

	started bool // a "---" was seen
	content bool // something other than comments and directives was seen
	ended   bool // a "..." was seen
}

func (s *byteScan) at(i int) position {
	return position{s.n, utf8.RuneCount(s.text[:i]) + 1}
}

// marker reports whether the line is the document marker m ("---" or
// "..."): three characters at the start of a line, then a space, a tab or
// the end of the line. YAML reads them so wherever they stand, even inside
// a quoted or block scalar.
func (s *byteScan) marker(m string) bool {
	return bytes.HasPrefix(s.text, []byte(m)) && (len(s.text) == 3 || isSpace(s.text[3]))
}

func (s *byteScan) scanLine() *Problem {
	first := skipSpace(s.text, 0)
	blank := first == len(s.text) || s.text[first] == '#'
	switch {
	case s.marker("---"):
		if s.started || s.content || s.ended {
			return secondDocument(s.at(0))
		}
		s.started = true
		s.reset()
		return s.node(3, -1)
	case s.marker("..."):
		if s.ended {
			return afterDocumentEnd(s.at(0))
		}
		s.ended = true
		s.reset()
		if i := skipSpace(s.text, 3); i < len(s.text) && s.text[i] != '#' {
			return afterDocumentEnd(s.at(i))
		}
		return nil
	case s.ended:
		if !blank {
			return afterDocumentEnd(s.at(first))
		}
		return nil
	case s.blockScalar:
		// Its content, whatever it says, is the lines indented as deep as
		// its first (which is deeper than its owner), and empty lines.
		if first == len(s.text) {
			return nil
		}
		if s.scalarIndent < 0 && first > s.scalarOwner {
			s.scalarIndent = first
		}
		if s.scalarIndent >= 0 && first >= s.scalarIndent {
			return nil
		}
		s.blockScalar = false
	}
	switch {
	case s.quote != 0 || len(s.flow) > 0:
		// The rest of a quoted scalar or flow collection.
		i := 0
		if s.quote != 0 {
			i = s.closeQuote(0, s.quote)
		}
		if i >= 0 && len(s.flow) > 0 {
			var p *Problem
			if i, p = s.flowText(i); p != nil {
				return p
			}
		}
		return s.afterNode(i)
	case blank:
		return nil
	case s.text[0] == '%' && !s.started && !s.content:
		return nil // a directive such as %YAML 1.2
	}
	s.content = true
	if s.pending >= 0 {
		// What the key or "- " on the line before holds: this line, if it
		// is deeper, or a list at a key's own column; else nothing.
		list := s.text[first] == '-' && (first+1 == len(s.text) || isSpace(s.text[first+1]))
		if (first < s.pending || first == s.pending && !(s.pendingKey && list)) && !s.empties.add() {
			return tooManyEmptyValues(s.at(first))
		}
		s.pending = -1
	}
	if !s.levels.line(first) {
		return tooDeep(s.at(first), blockNesting)
	}
	return s.node(first, first)
}

// reset forgets what a document marker ends.
func (s *byteScan) reset() {
	s.levels, s.flow, s.quote, s.blockScalar, s.properties, s.pending = s.levels[:0], s.flow[:0], 0, false, propertyRun{}, -1
}

// node reads block context from i, where a node may start. owner is the
// column of what the node belongs to (the line, a "- " or a key), which
// the content of a block scalar there must be indented deeper than.
func (s *byteScan) node(i, owner int) *Problem {
	t := s.text
	opened, key := false, false // by a "- " or a key, whose value is to come
	for {
		i = skipSpace(t, i)
		if i == len(t) || t[i] == '#' {
			if opened {
				s.pending, s.pendingKey = owner, key
			}
			return nil
		}
		s.content = true
		c := t[i]
		opened = false
		if c == '&' || c == '!' {
			// An anchor or a tag: the node follows it.
			var p *Problem
			if i, p = s.property(i); p != nil {
				return p
			}
			continue
		}
		if (c == '-' || c == '?' || c == ':') && (i+1 == len(t) || isSpace(t[i+1])) {
			// "- ", "? " or ": " opening a node within the line.
			owner, i, opened, key = i, skipSpace(t, i+1), true, c != '-'
			if i < len(t) && t[i] != '#' && !s.levels.open(i) {
				return tooDeep(s.at(i), blockNesting)
			}
			continue
		}
		s.properties = propertyRun{}
		switch {
		case c == '[' || c == '{':
			s.owner = i
			var p *Problem
			if i, p = s.flowText(i); p != nil {
				return p
			}
		case c == '"' || c == '\'':
			s.owner = i
			i = s.closeQuote(i+1, c)
		case (c == '|' || c == '>') && isScalarHeader(t[i+1:]):
			s.blockScalar, s.scalarOwner, s.scalarIndent = true, owner, -1
			return nil
		default:
			// A plain scalar, in which [ { ' " are characters like any
			// other: it ends at the ": " that makes it a key, or at a
			// comment.
			s.owner = i
			for ; i < len(t) && !isColon(t, i); i++ {
				if t[i] == '#' && isSpace(t[i-1]) {
					return nil
				}
			}
		}
		// What closed at i may be a key.
		if i = s.keyColon(i); i < 0 {
			return nil
		}
		owner, i, opened, key = s.owner, i+1, true, true
	}
}

// afterNode goes on reading block context after a quoted scalar or flow
// collection that closed at i, which may be a key; -1 is still open.
func (s *byteScan) afterNode(i int) *Problem {
	if i = s.keyColon(i); i < 0 {
		return nil
	}
	return s.node(i+1, s.owner)
}

// keyColon finds the ": " after a node that ended at i, or returns -1 when
// the line ends (or a comment starts) first; i < 0 returns -1.
func (s *byteScan) keyColon(i int) int {
	t := s.text
	for ; i >= 0 && i < len(t); i++ {
		if t[i] == '#' {
			return -1
		}
		if isColon(t, i) {
			return i
		}
	}
	return -1
}

// property counts the anchor or tag at i and returns the index after it.
func (s *byteScan) property(i int) (int, *Problem) {
	t := s.text
	if !s.properties.add(t[i] == '!') {
		return i, tooManyProperties(s.at(i))
	}
	start := i
	for i < len(t) && !isSpace(t[i]) && (len(s.flow) == 0 || !isFlowIndicator(t[i])) {
		i++
	}
	if next := skipSpace(t, i); s.properties.open() && (next == len(t) || t[next] == '#') {
		s.openTags++
		if s.openTags > maxOpenTags {
			return i, tooManyOpenTags(s.at(start))
		}
	}
	return i, nil
}

// closeQuote finds the end of a quoted scalar whose text starts at i. It
// returns the index after the closing quote, or -1 when the scalar runs on
// past the line (which s.quote then notes).
func (s *byteScan) closeQuote(i int, q byte) int {
	t := s.text
	for ; i < len(t); i++ {
		switch {
		case q == '"' && t[i] == '\\':
			i++ // the escaped character, a quote included
		case t[i] == q && q == '\'' && i+1 < len(t) && t[i+1] == '\'':
			i++ // '' is a quote inside '...'
		case t[i] == q:
			s.quote = 0
			return i + 1
		}
	}
	s.quote = q
	return -1
}

// flowText reads inside flow collections from i, where each [ and { opens
// a level (a plain scalar cannot hold them there). It returns the index
// after the bracket that closes the outermost one, or -1 when the line ends
// inside it.
func (s *byteScan) flowText(i int) (int, *Problem) {
	t := s.text
	for ; i < len(t); i++ {
		c := t[i]
		start := i == 0 || isSpace(t[i-1]) || isFlowIndicator(t[i-1]) || t[i-1] == ':'
		if (c == '&' || c == '!') && start {
			var p *Problem
			if i, p = s.property(i); p != nil {
				return -1, p
			}
			i-- // the loop steps onto what ended it
			continue
		}
		if isSpace(c) {
			continue
		}
		if c != ',' {
			s.properties = propertyRun{}
		}
		var top *flowEntry
		if len(s.flow) > 0 {
			top = &s.flow[len(s.flow)-1]
		}
		switch {
		case c == '[' || c == '{':
			if top != nil {
				top.write()
			}
			if len(s.flow) == maxDepth {
				return -1, tooDeep(s.at(i), flowNesting)
			}
			s.flow = append(s.flow, flowEntry{isMap: c == '{'})
		case c == ']' || c == '}' || c == ',':
			if top == nil {
				continue // a stray one: the parser will say so
			}
			if top.end() && !s.empties.add() {
				return -1, tooManyEmptyValues(s.at(i))
			}
			if c == ',' {
				continue
			}
			if s.flow = s.flow[:len(s.flow)-1]; len(s.flow) == 0 {
				return i + 1, nil
			}
		case c == ':' && (i+1 == len(t) || isSpace(t[i+1]) || isFlowIndicator(t[i+1]) || i > 0 && bytes.IndexByte([]byte(`"']}`), t[i-1]) >= 0):
			// A ":" that makes what is before it a key: before a space or
			// an indicator, or straight after a quoted key ({"a":1}).
			if top != nil {
				top.colon = true
			}
		case c == '#' && (i == 0 || isSpace(t[i-1])):
			return -1, nil
		case (c == '"' || c == '\'') && start:
			// A quote starts a scalar only where a scalar can start.
			if top != nil {
				top.write()
			}
			if i = s.closeQuote(i+1, c); i < 0 {
				return -1, nil
			}
			i-- // the loop steps past the closing quote
		default:
			if top != nil {
				top.write()
			}
		}
	}
	return -1, nil
}

// isScalarHeader reports whether what follows a | or > is a block scalar
// header: indentation and chomping indicators, then at most a comment.
func isScalarHeader(t []byte) bool {
	i := 0
	for i < len(t) && (t[i] >= '1' && t[i] <= '9' || t[i] == '+' || t[i] == '-') {
		i++
	}
	if i < len(t) && !isSpace(t[i]) {
		return false
	}
	i = skipSpace(t, i)
	return i == len(t) || t[i] == '#'
}

// isColon reports whether t[i] is the ":" that ends a key in block
// context: followed by a space, a tab or the end of the line.
func isColon(t []byte, i int) bool {
	return t[i] == ':' && (i+1 == len(t) || isSpace(t[i+1]))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isFlowIndicator(c byte) bool {
	return c == '[' || c == ']' || c == '{' || c == '}' || c == ','
}

func skipSpace(t []byte, i int) int {
	for i < len(t) && isSpace(t[i]) {
		i++
	}
	return i
}

// checkTokens holds the tokens goccy's lexer made, the very ones its parser
// reads next, to the limits precheck applies to the bytes. The lexer's work
// and memory are linear in the file's size (a 1 MiB file is at most about a
// million tokens).
func checkTokens(tks token.Tokens) *Problem {
	var (
		lv          levels
		flow        []flowEntry
		empties     empties
		line        int
		properties  propertyRun
		openTags    int
		seen, ended bool
		prev        token.Type
		prevCol     int
		pending     = -1 // the column of a key or "-" whose value is to come
		pendingKey  bool
		directive   int // the line of a %YAML or %TAG directive
	)
	for _, tk := range tks {
		if tk == nil || tk.Position == nil || tk.Type == token.CommentType {
			continue
		}
		at := position{tk.Position.Line, tk.Position.Column}
		switch {
		case tk.Type == token.DirectiveType:
			directive = at.line
			continue
		case at.line == directive:
			continue // the directive's own words
		case ended:
			return afterDocumentEnd(at)
		case tk.Type == token.DocumentHeaderType:
			if seen {
				return secondDocument(at)
			}
			seen, lv, flow, properties, pending, prev = true, lv[:0], flow[:0], propertyRun{}, -1, tk.Type
			continue
		case tk.Type == token.DocumentEndType:
			ended = true
			continue
		}
		seen = true
		newLine := at.line != line
		line = at.line
		if properties.open() && newLine {
			if openTags++; openTags > maxOpenTags {
				return tooManyOpenTags(at)
			}
		}
		if pending >= 0 && newLine {
			list := tk.Type == token.SequenceEntryType
			if (at.col < pending || at.col == pending && !(pendingKey && list)) && !empties.add() {
				return tooManyEmptyValues(at)
			}
		}
		pending = -1
		// A block scalar's content is one token, placed at column 0; it
		// opens no level.
		if len(flow) == 0 && prev != token.LiteralType && prev != token.FoldedType {
			opensNode := prev == token.SequenceEntryType || prev == token.MappingKeyType
			if newLine && !lv.line(at.col) || !newLine && opensNode && !lv.open(at.col) {
				return tooDeep(at, blockNesting)
			}
		}
		var top *flowEntry
		if len(flow) > 0 {
			top = &flow[len(flow)-1]
		}
		switch tk.Type {
		case token.AnchorType, token.TagType:
			if !properties.add(tk.Type == token.TagType) {
				return tooManyProperties(at)
			}
		case token.SequenceEntryType, token.MappingKeyType, token.MappingValueType:
			// The value the properties belong to is still to come.
			switch {
			case top != nil:
				top.colon = top.colon || tk.Type == token.MappingValueType
			case tk.Type == token.MappingValueType:
				pending, pendingKey = prevCol, true // the key's column
			default:
				pending, pendingKey = at.col, tk.Type == token.MappingKeyType
			}
		case token.SequenceStartType, token.MappingStartType:
			if top != nil {
				top.write()
			}
			if len(flow) == maxDepth {
				return tooDeep(at, flowNesting)
			}
			flow = append(flow, flowEntry{isMap: tk.Type == token.MappingStartType})
			properties = propertyRun{}
		case token.CollectEntryType, token.SequenceEndType, token.MappingEndType:
			if top != nil && top.end() && !empties.add() {
				return tooManyEmptyValues(at)
			}
			if top != nil && tk.Type != token.CollectEntryType {
				flow = flow[:len(flow)-1]
			}
			properties = propertyRun{}
		default:
			if prev != token.AnchorType {
				properties = propertyRun{} // a value; what follows an anchor is its name
				if top != nil {
					top.write()
				}
			}
		}
		prev, prevCol = tk.Type, at.col
	}
	return nil
}
