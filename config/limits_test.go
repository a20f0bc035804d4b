package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
)

// hostile is a file the limits refuse, and where.
type hostile struct {
	name      string
	src       string
	line, col int
	msg       string
}

// hostileFiles are the files the limits exist for. Each took the YAML parser
// seconds to minutes, or more memory than the machine had, before them; the
// benchmark below shows what they take now.
func hostileFiles() []hostile {
	const deep = "nested more than 64 deep"
	var indented strings.Builder
	for i := range 100 {
		indented.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return []hostile{
		{"100,000 nested [", strings.Repeat("[", 100_000), 1, 65, "[ and { are " + deep},
		{"100,000 nested [ in 200 KB", strings.Repeat("[ ", 100_000), 1, 129, "[ and { are " + deep},
		{"100,000 nested {", strings.Repeat("{", 100_000), 1, 65, "[ and { are " + deep},
		{"100,000 nested [ one a line", strings.Repeat("[\n", 100_000), 65, 1, "[ and { are " + deep},
		{"100 indentation levels", indented.String(), 65, 65, "indentation levels are " + deep},
		{"100,000 nested - on one line", strings.Repeat("- ", 100_000), 1, 129, "indentation levels are " + deep},
		{"100,000 nested ? on one line", strings.Repeat("? ", 100_000), 1, 129, "indentation levels are " + deep},
		{"200,000 ---", strings.Repeat("---\n", 200_000), 2, 1, "a second YAML document"},
		{"200,000 documents", strings.Repeat("---\na\n", 200_000)[:maxFileSize], 3, 1, "a second YAML document"},
		{"100,000 anchors in a row", strings.Repeat("&a ", 100_000), 1, 7, "more than 2 anchors (&) and tags (!) in a row"},
		{"10,000 tags with their value below", strings.Repeat("a: !t\nb: 1\n", 10_000), 129, 4, "more than 64 tags (!) with nothing after them"},
		{"100,000 empty keys", strings.Repeat("k:\n", 100_000), 258, 1, "more than 256 empty values"},
		{"100,000 empty list items", strings.Repeat("-\n", 100_000), 258, 1, "more than 256 empty values"},
		{"100,000 flow keys without values", "{" + strings.Repeat("a,", 100_000) + "}", 1, 515, "more than 256 empty values"},
	}
}

func TestLimitsRefuseHostileFiles(t *testing.T) {
	for _, h := range hostileFiles() {
		t.Run(h.name, func(t *testing.T) {
			checkProblems(t, problems(t, h.src), []want{{"", h.line, h.col, h.msg}})
		})
	}
}

func TestLimitsRefuseMoreThanOneDocument(t *testing.T) {
	const doc = "services:\n  - name: api" + okEnvs
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"--- after content", doc + "---\nrefresh: 10s\n", 6, "a second YAML document starts here"},
		{"a second ---", "---\n" + doc + "---\n", 7, "a second YAML document starts here"},
		{"--- after ...", doc + "...\n---\n", 7, "a second YAML document starts here"},
		{"content after ...", doc + "...\nrefresh: 10s\n", 7, "text after the end of the document (...)"},
		{"a second ...", doc + "...\n...\n", 7, "text after the end of the document (...)"},
		{"content on the ... line", doc + "... refresh: 10s\n", 6, "text after the end of the document (...)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, problems(t, tt.src), []want{{"", tt.line, 0, tt.msg}})
		})
	}
}

// What looks like structure but is not (brackets in quotes, comments, block
// scalars and plain scalars; "---" inside a block scalar) passes, and so do
// a leading "---", a closing "...", a directive, CRLF line ends and nesting
// right at the limits.
func TestLimitsAcceptWhatIsNotStructure(t *testing.T) {
	brackets := strings.Repeat("[", 100) + strings.Repeat("{", 100)
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	var indented strings.Builder
	indented.WriteString("x-deep:\n")
	for i := 1; i < maxDepth; i++ { // x-deep is the first level
		indented.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	var emptyKeys strings.Builder
	for range maxEmptyValues {
		emptyKeys.WriteString("x-empty:\n")
	}
	cfg := "services:\n  - name: api # {[\n" + okEnvs[1:]
	srcs := map[string]string{
		"comments":                  "# " + brackets + "\n" + cfg + "# " + brackets + "\n",
		"double-quoted":             `x-q: "` + brackets + `\"` + brackets + "\"\n" + cfg,
		"single-quoted":             `x-q: 'it''s ` + brackets + "'\n" + cfg,
		"quoted over lines":         "x-q: \"one " + brackets + "\n  two # " + brackets + "\n  ---x\"\n" + cfg,
		"plain scalar":              "x-p: a" + brackets + " b: c\n" + cfg,
		"literal block":             "x-b: |\n  " + brackets + "\n  - - - - -\n  ---\n  ...\n\n  # not a comment\n" + cfg,
		"folded block":              "x-b: >-\n    " + brackets + "\n      " + brackets + "\n" + cfg,
		"flow with quoted brackets": `x-f: {"a[": '{', b: ["]", "\"]"]}` + "\n" + cfg,
		"markers":                   "%YAML 1.2\n---\n" + cfg + "...\n# after the end\n",
		"CRLF":                      strings.ReplaceAll("---\n"+cfg, "\n", "\r\n"),
		"anchors and tags":          "x-aws: &aws\n  region: eu-west-1\nx-t: !!str &t\n  text\n" + cfg,
		"flow at the limit":         "x-deep: " + nested(maxDepth) + "\n" + cfg,
		"block at the limit":        indented.String() + cfg,
		"list at its key's column":  "x-l:\n- a\n- b\n" + cfg,
		"empty values at the limit": emptyKeys.String()[:len(emptyKeys.String())-len("x-empty:\n")] + "x-last:\n" + cfg,
	}
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			if p := precheck([]byte(src)); p != nil {
				t.Errorf("precheck refused it: %v", p)
			}
			if p := checkTokens(lexer.Tokenize(src)); p != nil {
				t.Errorf("checkTokens refused it: %v", p)
			}
			if _, err := parse([]byte(src), "config.yaml", testEnv); err != nil && strings.Contains(err.Error(), "more than") {
				t.Errorf("parse: %v", err)
			}
		})
	}
}

// precheck reads YAML as the spec does; goccy has readings of its own. Here
// precheck takes the quote on line 2 for the start of a quoted scalar that
// hides line 3, while goccy reads line 2 as the end of a plain scalar and
// line 3 as 100 nested lists: checkTokens still refuses it.
func TestTokenCheckCatchesWhatTheByteScanMisreads(t *testing.T) {
	src := "x-a: x\n  'q\nx-b: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\nx-c: '\n"
	if p := precheck([]byte(src)); p != nil {
		t.Fatalf("precheck refused it (%v); the case no longer shows the token check", p)
	}
	checkProblems(t, problems(t, src), []want{{"", 3, 70, "[ and { are nested more than 64 deep"}})
}

func TestLoadRefusesLargeFileUnread(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 2<<20/10)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sparse file of 1 GiB: reading it whole would take a second and a
	// gigabyte; its size alone refuses it.
	sparse := filepath.Join(dir, "sparse.yaml")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for path, msg := range map[string]string{
		big:    "the file is 2097150 bytes; a config file may be at most 1 MiB (1048576 bytes)",
		sparse: "the file is 1073741824 bytes",
	} {
		_, err := Load(path)
		var errs *Errors
		if !errors.As(err, &errs) {
			t.Fatalf("Load(%s) = %v, want *Errors", path, err)
		}
		checkProblems(t, errs.Problems, []want{{"", 0, 0, msg}})
	}

	// What is not a regular file has no size to go by: Load reads one byte
	// past the limit and stops.
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := Load("/dev/zero")
		var errs *Errors
		if !errors.As(err, &errs) {
			t.Fatalf("Load(/dev/zero) = %v, want *Errors", err)
		}
		checkProblems(t, errs.Problems, []want{{"", 0, 0, "the file is larger than 1 MiB"}})
	}
}

func TestParseSizeLimit(t *testing.T) {
	const cfg = "services:\n  - name: api" + okEnvs
	padding := "#" + strings.Repeat(" ", maxFileSize-len(cfg)-2) + "\n"
	if _, err := parse([]byte(padding+cfg), "config.yaml", testEnv); err != nil {
		t.Errorf("a file of exactly 1 MiB: %v", err)
	}
	checkProblems(t, problems(t, padding+cfg+" "), []want{{"", 0, 0, "the file is larger than 1 MiB"}})
}

func BenchmarkParseHostile(b *testing.B) {
	for _, h := range hostileFiles() {
		data := []byte(h.src)
		b.Run(h.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := parse(data, "config.yaml", testEnv); err == nil {
					b.Fatal("parsed")
				}
			}
		})
	}
}
