package config

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

var durationType = reflect.TypeFor[Duration]()

// scalarText is a scalar's text as written, so `name: 2024` is the string
// "2024" and `refresh: 10` can be told it lacks a unit.
func scalarText(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		if t.Value == nil {
			return "", true
		}
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

func (d *decoder) str(path string, n ast.Node, v reflect.Value) {
	s, ok := scalarText(n)
	if !ok {
		d.wrongType(path, n, "a string")
		return
	}
	v.SetString(s)
}

func (d *decoder) boolean(path string, n ast.Node, v reflect.Value) {
	b, ok := n.(*ast.BoolNode)
	if !ok {
		d.wrongType(path, n, "true or false")
		return
	}
	v.SetBool(b.Value)
}

func (d *decoder) integer(path string, n ast.Node, v reflect.Value) {
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		d.wrongType(path, n, "a whole number")
		return
	}
	var x int64
	switch val := i.Value.(type) {
	case int64:
		x = val
	case uint64:
		if val > math.MaxInt64 {
			d.wrongType(path, n, "a whole number in range")
			return
		}
		x = int64(val)
	}
	if x < math.MinInt || x > math.MaxInt {
		d.wrongType(path, n, "a whole number in range")
		return
	}
	v.SetInt(x)
}

func (d *decoder) duration(path string, n ast.Node, v reflect.Value) {
	s, ok := scalarText(n)
	if !ok {
		d.wrongType(path, n, "a duration such as \"10s\"")
		return
	}
	dur, err := ParseDuration(s)
	if err != nil {
		d.bad[path] = true
		d.addf(path, posOf(n), "%s", err.Error())
		return
	}
	v.Set(reflect.ValueOf(dur))
}

func (d *decoder) wrongType(path string, n ast.Node, want string) {
	d.bad[path] = true
	d.addf(path, posOf(n), "expected %s, got %s", want, describe(n))
}

// describe names what a node is for an error message.
func describe(n ast.Node) string {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "nothing"
	case *ast.StringNode:
		return fmt.Sprintf("%q", t.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.TagNode:
		return describe(t.Value)
	case *ast.AnchorNode:
		return describe(t.Value)
	case *ast.AliasNode:
		return "an alias"
	}
	if s, ok := scalarText(n); ok {
		return s
	}
	return "a " + strings.ToLower(n.Type().String())
}
