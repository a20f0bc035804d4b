// Package speccheck holds HTTP traffic up to an OpenAPI 3.0 document: is the
// path and method in the spec, are the parameters and the request body
// what the operation declares, and does the response match the schema the
// spec gives for its status. The sim runs every request it receives and
// every answer it sends through it when a test asks, so both halves of a
// conversation are judged by the published contract and not by our reading
// of it.
//
// Schema validation is kin-openapi's (openapi3filter). What this package
// adds is what kin-openapi leaves to the caller or does not do:
//
//   - routing that tolerates a base path (/api/v2, /api/v3) and path
//     parameters that span segments (a CircleCI project slug gh/acme/api
//     arrives with its slashes escaped or not; GitHub marks its own with
//     x-multi-segment);
//   - "x-nullable": true, the OpenAPI 2 spelling converted specs keep, read
//     as "nullable": true, which is what it means;
//   - query parameters and request body members the operation does not
//     declare are reported: a real server ignores them, so a client that
//     misspells page-token would never learn it from one;
//   - a patch hook for documented deviations, where the service is known to
//     answer outside its own spec and clients must cope.
package speccheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Options tune how a spec is matched against traffic.
type Options struct {
	// BasePaths are the prefixes requests carry before the spec's paths
	// (GitHub Enterprise serves the GitHub API under /api/v3, for one).
	// Empty means the path of the spec's first server URL.
	BasePaths []string
	// MultiSegment names path parameters whose values may contain "/"
	// unescaped. Parameters the spec marks allowReserved, or
	// "x-multi-segment": true as GitHub's does (a contents path, a commit
	// ref such as heads/main, a compare's base...head), always may.
	MultiSegment []string
	// Patch edits the loaded document before use, for deviations from the
	// spec the service is known to make. Keep each edit commented.
	Patch func(doc *openapi3.T) error
}

// Spec is a loaded OpenAPI document ready to check traffic. It is safe for
// concurrent use.
type Spec struct {
	name   string
	doc    *openapi3.T
	bases  []string
	routes []specRoute
	opts   *openapi3filter.Options
}

type specRoute struct {
	template string
	segs     []pathSeg
	literals int
	item     *openapi3.PathItem
}

type pathSeg struct {
	literal string
	param   string // name, when the segment is a {param}
	multi   bool   // the parameter may span several segments
}

// uuidFormat is RFC 4122 (versions 1–5), as kin-openapi predefines it but
// leaves unregistered; it is passed per check rather than registered
// globally so that loading a spec changes nothing for other users of
// kin-openapi in the same binary.
var uuidFormat = openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)

// Load parses an OpenAPI 3.0 JSON or YAML document. name labels
// violations ("circleci").
func Load(name string, data []byte, o Options) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("speccheck: load %s: %w", name, err)
	}
	walkSchemas(doc, func(s *openapi3.Schema) {
		if v, ok := s.Extensions["x-nullable"].(bool); ok && v {
			s.Nullable = true
		}
	})
	typePathParams(doc)
	if o.Patch != nil {
		if err := o.Patch(doc); err != nil {
			return nil, fmt.Errorf("speccheck: patch %s: %w", name, err)
		}
	}
	// Examples in published specs are often sloppy ("25" for an integer);
	// they are documentation, not contract.
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("speccheck: %s is not a valid OpenAPI document: %w", name, err)
	}
	s := &Spec{name: name, doc: doc, bases: o.BasePaths}
	if len(s.bases) == 0 {
		s.bases = []string{""}
		if len(doc.Servers) > 0 {
			if u, err := url.Parse(doc.Servers[0].URL); err == nil {
				s.bases = []string{strings.TrimRight(u.Path, "/")}
			}
		}
	}
	for tmpl, item := range doc.Paths.Map() {
		r, err := compileRoute(tmpl, item, o.MultiSegment)
		if err != nil {
			return nil, fmt.Errorf("speccheck: %s: %w", name, err)
		}
		s.routes = append(s.routes, r)
	}
	sort.Slice(s.routes, func(i, j int) bool { return s.routes[i].template < s.routes[j].template })
	s.opts = &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc, // auth is the handler's business
		IncludeResponseStatus: true,
		MultiError:            true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.EnableFormatValidation(),
			openapi3.WithStringFormatValidator("uuid", uuidFormat),
			openapi3.DisableSchemaErrorDetails(), // one line per problem, not a schema dump
		},
	}
	return s, nil
}

// Name is the label given to Load.
func (s *Spec) Name() string { return s.name }

// Doc is the loaded (and patched) document; treat it as read-only.
func (s *Spec) Doc() *openapi3.T { return s.doc }

func compileRoute(tmpl string, item *openapi3.PathItem, multi []string) (specRoute, error) {
	reserved := map[string]bool{}
	for _, name := range multi {
		reserved[name] = true
	}
	// allowReserved is, strictly, a query-parameter keyword; specs that put
	// it on a path parameter mean "this one may contain slashes", as
	// GitHub's x-multi-segment extension says outright.
	mark := func(params openapi3.Parameters) {
		for _, p := range params {
			if p.Value == nil || p.Value.In != openapi3.ParameterInPath {
				continue
			}
			if multi, _ := p.Value.Extensions["x-multi-segment"].(bool); multi || p.Value.AllowReserved {
				reserved[p.Value.Name] = true
			}
		}
	}
	mark(item.Parameters)
	for _, op := range item.Operations() {
		mark(op.Parameters)
	}
	r := specRoute{template: tmpl, item: item}
	for _, seg := range strings.Split(strings.Trim(tmpl, "/"), "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name, ok = strings.CutSuffix(name, "}")
			if !ok || strings.ContainsAny(name, "{}") {
				return specRoute{}, fmt.Errorf("path %s: only whole-segment parameters are supported", tmpl)
			}
			r.segs = append(r.segs, pathSeg{param: name, multi: reserved[name]})
			continue
		}
		if strings.ContainsAny(seg, "{}") {
			return specRoute{}, fmt.Errorf("path %s: only whole-segment parameters are supported", tmpl)
		}
		r.segs = append(r.segs, pathSeg{literal: seg})
		r.literals++
	}
	return r, nil
}

// match binds segs to the request's path segments; ok is false when they
// do not fit. Multi-segment parameters take as few segments as let the
// rest match, then more.
func (r specRoute) match(segs []string) (map[string]string, bool) {
	params := map[string]string{}
	var try func(i, j int) bool
	try = func(i, j int) bool {
		if i == len(r.segs) {
			return j == len(segs)
		}
		ps := r.segs[i]
		if j == len(segs) {
			return false
		}
		switch {
		case ps.param == "":
			return segs[j] == ps.literal && try(i+1, j+1)
		case !ps.multi:
			if segs[j] == "" {
				return false
			}
			params[ps.param] = segs[j]
			return try(i+1, j+1)
		}
		for k := j + 1; k <= len(segs); k++ {
			if slices.Contains(segs[j:k], "") {
				return false
			}
			params[ps.param] = strings.Join(segs[j:k], "/")
			if try(i+1, k) {
				return true
			}
		}
		return false
	}
	if !try(0, 0) {
		return nil, false
	}
	return params, true
}

// find matches a request to an operation; problem says why not.
func (s *Spec) find(r *http.Request) (*routers.Route, map[string]string, string) {
	raw := r.URL.EscapedPath()
	var rel string
	found := false
	for _, base := range s.bases {
		if rest, ok := strings.CutPrefix(raw, base); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
			rel, found = rest, true
			break
		}
	}
	if !found {
		return nil, nil, fmt.Sprintf("path %s is outside the spec's base path %v", raw, s.bases)
	}
	var segs []string
	for _, seg := range strings.Split(strings.TrimPrefix(rel, "/"), "/") {
		v, err := url.PathUnescape(seg)
		if err != nil {
			return nil, nil, fmt.Sprintf("path segment %q is not valid percent-encoding", seg)
		}
		segs = append(segs, v)
	}
	var best *specRoute
	var bestParams map[string]string
	for i := range s.routes {
		rt := &s.routes[i]
		if p, ok := rt.match(segs); ok && (best == nil || rt.literals > best.literals) {
			best, bestParams = rt, p
		}
	}
	if best == nil {
		return nil, nil, fmt.Sprintf("no path in the spec matches %s", rel)
	}
	op := best.item.GetOperation(r.Method)
	if op == nil {
		var allowed []string
		for m := range best.item.Operations() {
			allowed = append(allowed, m)
		}
		sort.Strings(allowed)
		return nil, nil, fmt.Sprintf("%s %s: the spec allows only %s", r.Method, best.template, strings.Join(allowed, ", "))
	}
	var server *openapi3.Server
	if len(s.doc.Servers) > 0 {
		server = s.doc.Servers[0]
	}
	return &routers.Route{Spec: s.doc, Server: server, Path: best.template, PathItem: best.item, Method: r.Method, Operation: op}, bestParams, ""
}

// Operation is one request matched to the spec, kept to check its answer.
type Operation struct {
	spec  *Spec
	route *routers.Route
	input *openapi3filter.RequestValidationInput
}

// ID is the operation's operationId, or its method and path template when
// it has none; "" when the request matched nothing.
func (o *Operation) ID() string {
	if o == nil || o.route == nil {
		return ""
	}
	if id := o.route.Operation.OperationID; id != "" {
		return id
	}
	return o.route.Method + " " + o.route.Path
}

// CheckRequest checks a request whose body (read in full; nil for none) is
// body. It returns the matched operation, nil when the request fits no
// operation of the spec, and every problem found.
func (s *Spec) CheckRequest(r *http.Request, body []byte) (*Operation, []string) {
	route, params, problem := s.find(r)
	if route == nil {
		return nil, []string{problem}
	}
	// openapi3filter reads the body; hand it a copy so the caller's is intact.
	req := r.Clone(r.Context())
	req.Body = http.NoBody
	req.ContentLength = int64(len(body))
	if len(body) > 0 {
		req.Body = readCloser{bytes.NewReader(body)}
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: s.opts}
	op := &Operation{spec: s, route: route, input: in}
	var problems []string
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		problems = append(problems, flatten(err)...)
	}
	problems = append(problems, undeclaredQuery(route, r.URL.Query())...)
	if route.Operation.RequestBody != nil && len(body) > 0 {
		problems = append(problems, undeclaredMembers(route.Operation.RequestBody.Value, r.Header.Get("Content-Type"), body)...)
	}
	return op, problems
}

// CheckResponse checks the answer to the request op was made from.
func (o *Operation) CheckResponse(status int, header http.Header, body []byte) []string {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: o.input,
		Status:                 status,
		Header:                 header,
		Options:                o.spec.opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return flatten(err)
	}
	return nil
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// flatten turns kin-openapi's nested multi-errors into one line each,
// keeping the context ("parameter x in path", "response body doesn't
// match…") of the error that wraps them.
func flatten(err error) []string {
	var inner error
	prefix := ""
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []string
		for _, x := range e {
			out = append(out, flatten(x)...)
		}
		return out
	case *openapi3filter.RequestError:
		inner = e.Err
		switch {
		case e.Parameter != nil:
			prefix = fmt.Sprintf("parameter %q in %s", e.Parameter.Name, e.Parameter.In)
		case e.RequestBody != nil:
			prefix = "request body"
		default:
			prefix = e.Reason
		}
	case *openapi3filter.ResponseError:
		inner, prefix = e.Err, e.Reason
	}
	if me, ok := inner.(openapi3.MultiError); ok {
		out := flatten(me)
		for i := range out {
			if prefix != "" && !strings.HasPrefix(out[i], prefix) {
				out[i] = prefix + ": " + out[i]
			}
		}
		return out
	}
	return []string{strings.ReplaceAll(err.Error(), "\n", " ")}
}

func undeclaredQuery(route *routers.Route, q url.Values) []string {
	declared := map[string]bool{}
	add := func(params openapi3.Parameters) {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	add(route.PathItem.Parameters)
	add(route.Operation.Parameters)
	var out []string
	for name := range q {
		if !declared[name] {
			out = append(out, fmt.Sprintf("query parameter %q is not declared by %s", name, route.Operation.OperationID))
		}
	}
	sort.Strings(out)
	return out
}

// undeclaredMembers reports object members of a JSON request body that its
// schema does not declare, where the schema lists its properties and says
// nothing about others. Composed schemas (allOf, oneOf, anyOf) are left
// alone: which branch declares a member is kin-openapi's question.
func undeclaredMembers(rb *openapi3.RequestBody, contentType string, body []byte) []string {
	if rb == nil {
		return nil
	}
	mt := rb.Content.Get(contentType)
	if mt == nil || mt.Schema == nil || !strings.Contains(contentType, "json") {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil // kin-openapi has already said the body is not JSON
	}
	var out []string
	var walk func(s *openapi3.Schema, v any, at string)
	walk = func(s *openapi3.Schema, v any, at string) {
		if s == nil || len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			open := s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil
			names := make([]string, 0, len(v))
			for k := range v {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				p, ok := s.Properties[k]
				switch {
				case ok && p.Value != nil:
					walk(p.Value, v[k], at+"/"+k)
				case !ok && !open && len(s.Properties) > 0:
					out = append(out, fmt.Sprintf("request body member %s/%s is not declared by the schema", at, k))
				}
			}
		case []any:
			if s.Items != nil {
				for i, item := range v {
					walk(s.Items.Value, item, fmt.Sprintf("%s/%d", at, i))
				}
			}
		}
	}
	walk(mt.Schema.Value, v, "")
	return out
}

// walkSchemas calls fn once for every schema reachable from the document's
// operations and components.
func walkSchemas(doc *openapi3.T, fn func(*openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		fn(s)
		for _, p := range s.Properties {
			visit(p)
		}
		visit(s.Items)
		visit(s.AdditionalProperties.Schema)
		visit(s.Not)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, c := range list {
				visit(c)
			}
		}
	}
	content := func(c openapi3.Content) {
		for _, mt := range c {
			if mt != nil {
				visit(mt.Schema)
			}
		}
	}
	params := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p.Value != nil {
				visit(p.Value.Schema)
				content(p.Value.Content)
			}
		}
	}
	if doc.Components != nil {
		for _, s := range doc.Components.Schemas {
			visit(s)
		}
	}
	for _, item := range doc.Paths.Map() {
		params(item.Parameters)
		for _, op := range item.Operations() {
			params(op.Parameters)
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				content(op.RequestBody.Value.Content)
			}
			if op.Responses == nil {
				continue
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				content(resp.Value.Content)
				for _, h := range resp.Value.Headers {
					if h.Value != nil {
						visit(h.Value.Schema)
					}
				}
			}
		}
	}
}

// typePathParams gives path parameters whose schema is empty ({}: any
// value) the type string. A path segment is a string whatever the spec
// says, and kin-openapi rejects every value of a typeless path parameter
// as empty.
func typePathParams(doc *openapi3.T) {
	fix := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Schema == nil || p.Value.Schema.Value == nil {
				continue
			}
			s := p.Value.Schema.Value
			if s.Type == nil && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && s.Not == nil {
				s.Type = &openapi3.Types{openapi3.TypeString}
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		fix(item.Parameters)
		for _, op := range item.Operations() {
			fix(op.Parameters)
		}
	}
}

// FindOperation finds an operation by its operationId, for patches; nil if none.
func FindOperation(doc *openapi3.T, operationID string) *openapi3.Operation {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == operationID {
				return op
			}
		}
	}
	return nil
}

// ResponseSchema finds the JSON schema of operationID's response for status
// ("200", "default"), then follows steps: a property name, or "[]" for an
// array's items. Patches use it to reach the field they correct.
func ResponseSchema(doc *openapi3.T, operationID, status string, steps ...string) (*openapi3.Schema, error) {
	op := FindOperation(doc, operationID)
	if op == nil {
		return nil, fmt.Errorf("no operation %s", operationID)
	}
	ref := op.Responses.Value(status)
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("%s has no %s response", operationID, status)
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil, fmt.Errorf("%s %s has no JSON schema", operationID, status)
	}
	s := mt.Schema.Value
	for i, step := range steps {
		var next *openapi3.SchemaRef
		if step == "[]" {
			next = s.Items
		} else {
			next = s.Properties[step]
		}
		if next == nil || next.Value == nil {
			return nil, fmt.Errorf("%s %s: no %s", operationID, status, strings.Join(steps[:i+1], "."))
		}
		s = next.Value
	}
	return s, nil
}
