package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// Load reads the file at path and parses it. Problems in the file come back
// as *Errors, a file over 1 MiB among them, refused before it is read; a
// file that cannot be read comes back as the wrapped OS error.
func Load(path string) (*Config, error) {
	data, tooBig, err := readConfig(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if tooBig != nil {
		return nil, newErrors(path, []Problem{*tooBig})
	}
	return Parse(data, path)
}

// readConfig reads at most maxFileSize+1 bytes of the file, so a larger one
// is never read whole: a regular file's size refuses it before any read,
// and of anything else (a file that grew, a pipe, a device) precheck sees
// one byte too many.
func readConfig(path string) ([]byte, *Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > maxFileSize {
		return nil, tooLarge(fi.Size()), nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	return data, nil, err
}

// Parse decodes data strictly, fills in defaults and validates the result.
// filename is used in messages and kept as Config.Path. On any problem it
// returns a nil Config and an *Errors holding every problem found.
func Parse(data []byte, filename string) (*Config, error) {
	return parse(data, filename, os.Getenv)
}

// parse is Parse with the environment injected, for the defaults that come
// from it (the audit log lives under $XDG_STATE_HOME or $HOME).
func parse(data []byte, filename string, getenv func(string) string) (*Config, error) {
	cfg := &Config{Path: filename}
	d := newDecoder()

	file, perr := parseYAML(data)
	if perr != nil {
		return nil, newErrors(filename, []Problem{*perr})
	}
	var docs []*ast.DocumentNode
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	for _, doc := range docs {
		d.collectAnchors(doc)
	}
	if len(docs) > 0 {
		d.decode("", docs[0].Body, reflect.ValueOf(cfg).Elem())
	}
	for _, doc := range docs[min(1, len(docs)):] {
		// precheck and checkTokens refuse a second document before it is
		// parsed; this stays in case goccy ever finds one they did not.
		d.addf("", posOf(doc), "a second YAML document; %s", oneDocument)
	}

	checker{d}.config(cfg)
	if len(d.problems) > 0 {
		return nil, newErrors(filename, sortProblems(d.problems))
	}
	applyDefaults(cfg, d, getenv)
	return cfg, nil
}

// parseYAML refuses a file over the limits (see limits.go), runs goccy's
// lexer and parser, and turns their error into one Problem. It also turns a
// panic inside them into a Problem: a malformed config must never crash the
// program that was asked to read it.
func parseYAML(data []byte) (file *ast.File, problem *Problem) {
	defer func() {
		if r := recover(); r != nil {
			file, problem = nil, &Problem{Message: fmt.Sprintf("invalid YAML (the parser failed: %v)", r)}
		}
	}()
	if p := precheck(data); p != nil {
		return nil, p
	}
	tokens := lexer.Tokenize(string(data))
	if p := checkTokens(tokens); p != nil {
		return nil, p
	}
	f, err := parser.Parse(tokens, 0)
	if err == nil {
		return f, nil
	}
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		// Not yerr.Error(): it draws the source around the token, which on
		// one long line takes minutes.
		at := positionOf(yerr.GetToken())
		return nil, &Problem{Line: at.line, Column: at.col, Message: "invalid YAML: " + yerr.GetMessage()}
	}
	return nil, &Problem{Message: "invalid YAML: " + err.Error()}
}
