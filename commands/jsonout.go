package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/termsafe"
)

// jsonOutput is what --json and --jq ask of a command's JSON: every
// command that prints JSON prints it through emitJSON, so the field list
// and the jq expression mean the same everywhere (as gh has them).
type jsonOutput struct {
	// fields keeps only these top-level fields of the object (of each
	// object, for a list); nil keeps them all.
	fields []string
	// jq is the expression applied to the output (after fields).
	jq    string
	query *gojq.Code
}

// jqTimeout bounds a --jq expression's run (a variable for the test).
var jqTimeout = 5 * time.Second

// jsonAll is what a bare --json sets: every field.
const jsonAll = "*"

// jsonShapes is the Go type of each record a command prints as JSON (a
// list's element for a list), from which its fields are read. The action
// commands all print an actionReport. status's records, for a field list,
// are its environments (statusRecords).
var jsonShapes = map[string]any{
	"status":  model.EnvStatus{},
	"history": model.Revision{},
	"audit":   audit.Record{},
}

// jsonFieldsOf lists the fields of a command's JSON records.
func jsonFieldsOf(cmd *cobra.Command) []string {
	fields := jsonFields(reflect.TypeOf(jsonShape(cmd)))
	if cmd.Name() == "status" {
		fields = append(fields, "service")
		sort.Strings(fields)
	}
	return fields
}

func jsonShape(cmd *cobra.Command) any {
	if v, ok := jsonShapes[cmd.Name()]; ok {
		return v
	}
	return actionReport{}
}

// jsonValue is --json: a bool that may carry a field list.
type jsonValue struct{ g *globals }

func (v jsonValue) String() string {
	if !v.g.json || v.g.jsonOut.fields == nil {
		return ""
	}
	return strings.Join(v.g.jsonOut.fields, ",")
}

func (v jsonValue) Type() string { return "fields" }

func (v jsonValue) Set(s string) error {
	v.g.json = true
	v.g.jsonOut.fields = nil
	if s == jsonAll || s == "" {
		return nil
	}
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			v.g.jsonOut.fields = append(v.g.jsonOut.fields, f)
		}
	}
	return nil
}

// registerJSON adds --json [FIELDS] and --jq EXPR to a command, and checks
// both before it runs, so a wrong field or expression stops it before it
// reads or sends anything.
func (g *globals) registerJSON(cmd *cobra.Command) {
	f := cmd.Flags().VarPF(jsonValue{g}, "json", "", "print JSON instead of text; --json=FIELDS (or --json FIELDS) keeps only those top-level fields, comma-separated")
	f.NoOptDefVal = jsonAll
	cmd.Flags().StringVar(&g.jsonOut.jq, "jq", "", "filter the JSON through a jq expression (implies --json); strings print bare")
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := g.jsonOut.check(jsonFieldsOf(c)); err != nil {
			return err
		}
		if g.jsonOut.jq != "" {
			g.json = true
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// check validates the field list against the command's fields and parses
// the jq expression: either wrong is a usage error naming what is valid.
func (o *jsonOutput) check(valid []string) error {
	if len(o.fields) > 0 {
		var unknown []string
		for _, f := range o.fields {
			if !slices.Contains(valid, f) {
				unknown = append(unknown, f)
			}
		}
		if len(unknown) > 0 {
			return usageErr("unknown JSON field(s) %s; fields: %s", strings.Join(unknown, ", "), strings.Join(valid, ", "))
		}
	}
	if o.jq != "" {
		q, err := gojq.Parse(o.jq)
		if err != nil {
			return usageErr("--jq %q: %v", o.jq, err)
		}
		code, err := gojq.Compile(q)
		if err != nil {
			return usageErr("--jq %q: %v", o.jq, err)
		}
		o.query = code
	}
	return nil
}

// jsonFields lists the top-level JSON fields of a type as encoding/json
// writes them: a struct's tagged fields, embedded structs' fields in
// place; a list's element's. Revision writes ran_for itself.
func jsonFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	var out []string
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-" || (!sf.IsExported() && !sf.Anonymous):
			continue
		case sf.Anonymous && name == "":
			out = append(out, jsonFields(sf.Type)...)
			continue
		case name == "":
			name = sf.Name
		}
		out = append(out, name)
	}
	if t == reflect.TypeOf(model.Revision{}) {
		out = append(out, "ran_for") // model.Revision.MarshalJSON
	}
	sort.Strings(out)
	return out
}

// emitJSON prints v as the command's JSON: all of it with a bare --json,
// only the fields asked for, or what the jq expression makes of it. It
// goes through termsafe as every output does: JSON with EncodeJSON, a
// string result of --jq bare through the stream's termsafe writer.
func (g *globals) emitJSON(w io.Writer, v any) error {
	o := &g.jsonOut
	if o.fields == nil && o.query == nil {
		return termsafe.EncodeJSON(w, v)
	}
	doc, err := plainJSON(v)
	if err != nil {
		return err
	}
	if o.fields != nil {
		recs, names := records(doc)
		doc = keepFields(recs, append(slices.Clone(o.fields), names...))
	}
	if o.query == nil {
		return termsafe.EncodeJSON(w, doc)
	}
	// An expression may never end ("def f: f; f", or a range of 1e10):
	// it gets a bound, so a command (or a member's on `flightdeck serve`)
	// cannot hold a CPU for ever.
	ctx, cancel := context.WithTimeout(context.Background(), jqTimeout)
	defer cancel()
	iter := o.query.RunWithContext(ctx, doc)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, ok := r.(error); ok {
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil {
				return nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("the expression ran for over %s and was stopped", jqTimeout)
			}
			return &exitError{code: exitFailed, err: fmt.Errorf("--jq: %w", err)}
		}
		if s, ok := r.(string); ok {
			if _, err := io.WriteString(w, termsafe.Line(s)+"\n"); err != nil {
				return err
			}
			continue
		}
		if err := termsafe.EncodeJSON(w, r); err != nil {
			return err
		}
	}
}

// plainJSON is v as gojq takes it: maps, slices, strings, bools, nil,
// and numbers as int, float64 or *big.Int (exact, as written).
func plainJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return numbers(doc), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil && int64(int(i)) == i {
			return int(i)
		}
		if bi, ok := new(big.Int).SetString(x.String(), 10); ok {
			return bi
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// records is what a field list picks from, and the fields kept with any
// list: the document itself, except status's snapshot, whose records are
// its environments, each named by "service" and "name" (gh keeps fields
// of each record of a list, and "--json version,state" asks what runs
// where; without the names one record could not be told from another).
func records(doc any) (any, []string) {
	snap, ok := doc.(map[string]any)
	services, _ := snap["services"].([]any)
	if !ok || services == nil {
		return doc, nil
	}
	out := []any{}
	for _, s := range services {
		svc, _ := s.(map[string]any)
		envs, _ := svc["environments"].([]any)
		for _, e := range envs {
			if env, ok := e.(map[string]any); ok {
				env["service"] = svc["name"]
				out = append(out, env)
			}
		}
	}
	return out, []string{"service", "name"}
}

// keepFields keeps only the named top-level fields of an object, or of
// each object of a list.
func keepFields(doc any, fields []string) any {
	keep := func(m map[string]any) map[string]any {
		out := make(map[string]any, len(fields))
		for _, f := range fields {
			if v, ok := m[f]; ok {
				out[f] = v
			}
		}
		return out
	}
	switch x := doc.(type) {
	case map[string]any:
		return keep(x)
	case []any:
		for i, e := range x {
			if m, ok := e.(map[string]any); ok {
				x[i] = keep(m)
			}
		}
	}
	return doc
}

// fieldList is what may follow --json as its field list: names, commas.
var fieldList = regexp.MustCompile(`^[A-Za-z_]+(,[A-Za-z_]+)*$`)

// joinJSONFields lets the field list follow --json as its own word, as gh
// takes it ("--json version,state"): pflag gives an optional value only
// after "=", so the word after a bare --json is joined to it when it is a
// list (it has a comma) or names a field of the command's JSON; any other
// word stays an argument ("--json api" still means the service api).
func joinJSONFields(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil || cmd.Flags().Lookup("json") == nil {
		return args
	}
	valid := jsonFieldsOf(cmd)
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--json" && i+1 < len(args) && fieldList.MatchString(args[i+1]) &&
			(strings.Contains(args[i+1], ",") || slices.Contains(valid, args[i+1])) {
			out = append(out, "--json="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}
