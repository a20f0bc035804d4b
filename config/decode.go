package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The decoder walks goccy's AST instead of calling yaml.Unmarshal with
// Strict(), because Strict() stops at the first problem and we owe the user
// every problem at once. It is driven by the structs' yaml tags, so the
// allowed keys can never drift from the fields they fill.

// maxNodes bounds the work one file can cause, so a small file full of
// aliases to aliases (a "billion laughs") ends in a problem, not a hang.
const maxNodes = 250_000

type decoder struct {
	problems []Problem
	keyAt    map[string]position // path → where its key is written
	valueAt  map[string]position // path → where its value starts
	set      map[string]bool     // paths given a non-null value
	bad      map[string]bool     // paths whose value had the wrong type
	typo     map[string]bool     // paths an unknown key was probably meant to be
	anchors  map[string][]anchorDef
	nodes    int
	depth    int
	stopped  bool
}

func newDecoder() *decoder {
	return &decoder{
		keyAt:   map[string]position{},
		valueAt: map[string]position{},
		set:     map[string]bool{},
		bad:     map[string]bool{},
		typo:    map[string]bool{},
		anchors: map[string][]anchorDef{},
	}
}

func (d *decoder) addf(path string, at position, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Line: at.line, Column: at.col, Message: fmt.Sprintf(format, args...)})
}

// spend counts one node against maxNodes and reports whether work may go on.
func (d *decoder) spend(path string, n ast.Node) bool {
	if d.stopped {
		return false
	}
	d.nodes++
	if d.nodes > maxNodes {
		d.stopped = true
		d.addf(path, posOf(n), "the file expands to more than %d values (aliases within aliases?); stopped reading", maxNodes)
		return false
	}
	return true
}

// decode fills v from the YAML node n found at path.
func (d *decoder) decode(path string, n ast.Node, v reflect.Value) {
	if n == nil || !d.spend(path, n) {
		return
	}
	switch t := n.(type) {
	case *ast.TagNode:
		d.decode(path, t.Value, v)
		return
	case *ast.AnchorNode:
		d.decode(path, t.Value, v)
		return
	case *ast.AliasNode:
		d.followAlias(path, t, func(target ast.Node) { d.decode(path, target, v) })
		return
	case *ast.NullNode:
		// "ecs:" with nothing under it is an empty block whose required
		// keys are then reported missing; any other null means "not set".
		if v.Kind() == reflect.Pointer && v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return
	}
	if _, ok := d.valueAt[path]; !ok {
		d.valueAt[path] = posOf(n)
	}
	d.set[path] = true

	switch {
	case v.Type() == durationType:
		d.duration(path, n, v)
	case v.Kind() == reflect.Pointer:
		// Fill a fresh value and keep it only if the node had the right
		// shape, so `ecs: [x]` leaves ECS nil rather than half there.
		nv := reflect.New(v.Type().Elem())
		d.decode(path, n, nv.Elem())
		if !d.bad[path] {
			v.Set(nv)
		}
	case v.Kind() == reflect.Struct:
		d.mapping(path, n, v)
	case v.Kind() == reflect.Slice:
		d.sequence(path, n, v)
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		d.dict(path, n, v)
	case v.Kind() == reflect.String:
		d.str(path, n, v)
	case v.Kind() == reflect.Bool:
		d.boolean(path, n, v)
	case v.Kind() == reflect.Int:
		d.integer(path, n, v)
	default:
		panic(fmt.Sprintf("config: no decoder for %s", v.Type())) // a programming error in this package
	}
}

type field struct {
	name  string
	index int
}

// fieldsOf lists a struct's YAML keys in declaration order.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, field{name, i})
	}
	return out
}

type entry struct {
	name  string
	keyAt position
	value ast.Node
}

func (d *decoder) mapping(path string, n ast.Node, v reflect.Value) {
	entries, ok := d.entries(path, n)
	if !ok && path == "" {
		d.bad[path] = true
		d.addf(path, posOf(n), "the file must be a mapping of keys such as refresh: and services:, got %s", describe(n))
		return
	}
	if !ok {
		d.wrongType(path, n, "a mapping")
		return
	}
	fields := fieldsOf(v.Type())
	for _, e := range entries {
		p := joinPath(path, e.name)
		f, ok := lookupField(fields, e.name)
		if !ok {
			// Top-level "x-" keys are free, as in Compose files, to hold
			// anchors that the rest of the file aliases.
			if path == "" && strings.HasPrefix(e.name, "x-") {
				continue
			}
			d.unknownKey(p, e, fields)
			continue
		}
		d.keyAt[p] = e.keyAt
		d.decode(p, e.value, v.Field(f.index))
	}
}

// dict fills a map keyed by free words (ci.deploy_jobs: {production:
// deploy-prod}); each value is decoded at path.key, so a wrong one is
// reported with its own path and line.
func (d *decoder) dict(path string, n ast.Node, v reflect.Value) {
	entries, ok := d.entries(path, n)
	if !ok {
		d.wrongType(path, n, "a mapping")
		return
	}
	out := reflect.MakeMapWithSize(v.Type(), len(entries))
	for _, e := range entries {
		p := joinPath(path, e.name)
		d.keyAt[p] = e.keyAt
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(p, e.value, ev)
		out.SetMapIndex(reflect.ValueOf(e.name).Convert(v.Type().Key()), ev)
	}
	v.Set(out)
}

func lookupField(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

func (d *decoder) unknownKey(path string, e entry, fields []field) {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	hint := ""
	if s := suggest(e.name, names); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
		// "clustr" already tells the user where "cluster" went; saying
		// "cluster" is missing as well would be noise.
		d.typo[joinPath(parentPath(path), s)] = true
	}
	d.addf(path, e.keyAt, "unknown key %q%s; allowed keys: %s", e.name, hint, strings.Join(names, ", "))
}

// entries lists a mapping's keys and values with YAML merge keys ("<<")
// applied: keys written in the mapping win over merged ones, and earlier
// merge sources win over later ones.
func (d *decoder) entries(path string, n ast.Node) ([]entry, bool) {
	var values []*ast.MappingValueNode
	switch t := n.(type) {
	case *ast.MappingNode:
		values = t.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{t}
	default:
		return nil, false
	}
	var out []entry
	seen := map[string]bool{}
	add := func(e entry) {
		if !seen[e.name] {
			seen[e.name] = true
			out = append(out, e)
		}
	}
	var merges []ast.Node
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if mv.Key.IsMergeKey() {
			merges = append(merges, mv.Value)
			continue
		}
		name, ok := d.keyName(path, mv.Key)
		if !ok {
			continue
		}
		add(entry{name, posOf(mv.Key), mv.Value})
	}
	for _, m := range merges {
		for _, e := range d.merged(path, m) {
			add(e)
		}
	}
	return out, true
}

// merged returns the entries a merge key's value brings in: a mapping, an
// alias to one, or a list of those.
func (d *decoder) merged(path string, n ast.Node) []entry {
	if n == nil || !d.spend(path, n) {
		return nil
	}
	switch t := n.(type) {
	case *ast.TagNode:
		return d.merged(path, t.Value)
	case *ast.AnchorNode:
		return d.merged(path, t.Value)
	case *ast.AliasNode:
		var out []entry
		d.followAlias(path, t, func(target ast.Node) { out = d.merged(path, target) })
		return out
	case *ast.SequenceNode:
		var out []entry
		for _, item := range t.Values {
			out = append(out, d.merged(path, item)...)
		}
		return out
	}
	es, ok := d.entries(path, n)
	if !ok {
		d.addf(path, posOf(n), "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(n))
	}
	return es
}

// keyName reads a mapping key; only scalar keys can name a field.
func (d *decoder) keyName(path string, k ast.Node) (string, bool) {
	switch t := k.(type) {
	case *ast.TagNode:
		return d.keyName(path, t.Value)
	case *ast.AnchorNode:
		return d.keyName(path, t.Value)
	case *ast.MappingKeyNode:
		return d.keyName(path, t.Value)
	case *ast.AliasNode:
		name := ""
		ok := false
		d.followAlias(path, t, func(target ast.Node) { name, ok = d.keyName(path, target) })
		return name, ok
	}
	if name, ok := scalarName(k); ok {
		return name, true
	}
	d.addf(path, posOf(k), "a key must be a plain word, got %s", describe(k))
	return "", false
}

func (d *decoder) sequence(path string, n ast.Node, v reflect.Value) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.wrongType(path, n, "a list")
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.valueAt[p] = posOf(item)
		d.decode(p, item, out.Index(i))
	}
	v.Set(out)
}
