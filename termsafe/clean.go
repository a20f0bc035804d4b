package termsafe

import (
	"reflect"
	"sync"
)

// Clean returns v with every string in it made Line-safe: struct fields,
// slice and array elements, map values, pointed-to values and the text of
// errors, however deep. A string field tagged `termsafe:"block"` keeps its
// newlines (Block). Map keys are left alone (they are identities, not
// text that is drawn), and so are unexported fields.
//
// Clean never changes v: it copies what it must change, so a provider may
// keep what it returned. When nothing needs changing, which is nearly
// always, it returns v itself and allocates nothing beyond the walk.
func Clean[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	if out, changed := clean(rv, Line, 0); changed {
		return out.Interface().(T)
	}
	return v
}

// maxDepth bounds the walk: snapshot types are a few levels deep, and a
// cycle (none exists today) must not hang the screen.
const maxDepth = 32

var errorType = reflect.TypeFor[error]()

// clean returns v, or a changed copy and true.
func clean(v reflect.Value, str func(string) string, depth int) (reflect.Value, bool) {
	if depth > maxDepth {
		return v, false
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		c := str(s)
		if c == s {
			return v, false
		}
		out := reflect.New(v.Type()).Elem()
		out.SetString(c)
		return out, true
	case reflect.Struct:
		return cleanStruct(v, depth)
	case reflect.Slice:
		if v.IsNil() {
			return v, false
		}
		return cleanElems(v, str, depth, func() reflect.Value {
			out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(out, v)
			return out
		})
	case reflect.Array:
		return cleanElems(v, str, depth, func() reflect.Value {
			out := reflect.New(v.Type()).Elem()
			out.Set(v)
			return out
		})
	case reflect.Map:
		return cleanMap(v, str, depth)
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		elem, changed := clean(v.Elem(), str, depth+1)
		if !changed {
			return v, false
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(elem)
		return out, true
	case reflect.Interface:
		return cleanInterface(v, str, depth)
	}
	return v, false
}

// field is one field of a struct that may hold text, and how to clean it.
type field struct {
	index int
	str   func(string) string
}

// plans caches, per struct type, the fields that may hold text: a walk
// over a poll of 800 environments then skips times, numbers and flags
// without looking at them.
var plans sync.Map // reflect.Type → []field

func planOf(t reflect.Type) []field {
	if p, ok := plans.Load(t); ok {
		return p.([]field)
	}
	var p []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || !mayHoldText(f.Type, 0) {
			continue
		}
		str := Line
		if f.Tag.Get("termsafe") == "block" {
			str = Block
		}
		p = append(p, field{i, str})
	}
	plans.Store(t, p)
	return p
}

// mayHoldText reports whether a value of type t can contain a string that
// Clean would reach.
func mayHoldText(t reflect.Type, depth int) bool {
	if depth > maxDepth {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return mayHoldText(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && mayHoldText(f.Type, depth+1) {
				return true
			}
		}
	}
	return false
}

func cleanStruct(v reflect.Value, depth int) (reflect.Value, bool) {
	var out reflect.Value
	for _, f := range planOf(v.Type()) {
		fv, changed := clean(v.Field(f.index), f.str, depth+1)
		if !changed {
			continue
		}
		if !out.IsValid() {
			out = reflect.New(v.Type()).Elem()
			out.Set(v)
		}
		out.Field(f.index).Set(fv)
	}
	if !out.IsValid() {
		return v, false
	}
	return out, true
}

func cleanElems(v reflect.Value, str func(string) string, depth int, copyOf func() reflect.Value) (reflect.Value, bool) {
	var out reflect.Value
	for i := range v.Len() {
		ev, changed := clean(v.Index(i), str, depth+1)
		if !changed {
			continue
		}
		if !out.IsValid() {
			out = copyOf()
		}
		out.Index(i).Set(ev)
	}
	if !out.IsValid() {
		return v, false
	}
	return out, true
}

func cleanMap(v reflect.Value, str func(string) string, depth int) (reflect.Value, bool) {
	if v.IsNil() {
		return v, false
	}
	var out reflect.Value
	iter := v.MapRange()
	for iter.Next() {
		ev, changed := clean(iter.Value(), str, depth+1)
		if !changed {
			continue
		}
		if !out.IsValid() {
			out = reflect.MakeMapWithSize(v.Type(), v.Len())
			all := v.MapRange()
			for all.Next() {
				out.SetMapIndex(all.Key(), all.Value())
			}
		}
		out.SetMapIndex(iter.Key(), ev)
	}
	if !out.IsValid() {
		return v, false
	}
	return out, true
}

// cleanInterface cleans what an interface holds. An error is judged by its
// text: when that needs cleaning, it is wrapped so that it reads clean and
// still unwraps to the original (errors.Is and As keep working).
func cleanInterface(v reflect.Value, str func(string) string, depth int) (reflect.Value, bool) {
	if v.IsNil() {
		return v, false
	}
	inner := v.Elem()
	if v.Type().Implements(errorType) || inner.Type().Implements(errorType) {
		err, ok := inner.Interface().(error)
		if !ok {
			return v, false
		}
		msg := err.Error()
		c := str(msg)
		if c == msg || !reflect.TypeFor[*cleanError]().AssignableTo(v.Type()) {
			return v, false
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(reflect.ValueOf(&cleanError{msg: c, err: err}))
		return out, true
	}
	iv, changed := clean(inner, str, depth+1)
	if !changed {
		return v, false
	}
	out := reflect.New(v.Type()).Elem()
	out.Set(iv)
	return out, true
}

// cleanError reads as its cleaned text and unwraps to what it cleaned.
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }
