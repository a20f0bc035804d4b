package config

import "github.com/goccy/go-yaml/ast"

// YAML anchors (&name), aliases (*name) and what keeps them from looping.

// maxAliasDepth bounds aliases within aliases; a deeper chain is an alias
// that refers to its own anchor.
const maxAliasDepth = 64

type anchorDef struct {
	at    position
	value ast.Node
}

// collectAnchors records every anchor in document order, including those
// under keys the decoder never visits (top-level "x-" keys exist to hold them).
func (d *decoder) collectAnchors(n ast.Node) {
	switch t := n.(type) {
	case *ast.DocumentNode:
		d.collectAnchors(t.Body)
	case *ast.MappingNode:
		for _, v := range t.Values {
			d.collectAnchors(v)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(t.Key)
		d.collectAnchors(t.Value)
	case *ast.MappingKeyNode:
		d.collectAnchors(t.Value)
	case *ast.SequenceNode:
		for _, v := range t.Values {
			d.collectAnchors(v)
		}
	case *ast.TagNode:
		d.collectAnchors(t.Value)
	case *ast.AnchorNode:
		if name, ok := scalarName(t.Name); ok {
			d.anchors[name] = append(d.anchors[name], anchorDef{posOf(t), t.Value})
		}
		d.collectAnchors(t.Value)
	}
}

// resolveAlias finds the anchor an alias refers to: the last one of that name
// defined before it, as YAML says (a name may be reused).
func (d *decoder) resolveAlias(path string, a *ast.AliasNode) (ast.Node, bool) {
	name, _ := scalarName(a.Value)
	at := posOf(a)
	var found ast.Node
	for _, def := range d.anchors[name] {
		if def.at.line < at.line || def.at.line == at.line && def.at.col < at.col {
			found = def.value
		}
	}
	if found == nil {
		d.addf(path, at, "alias *%s has no anchor &%s before it", name, name)
		return nil, false
	}
	return found, true
}

// followAlias runs fn on an alias's target with the alias depth accounted for.
func (d *decoder) followAlias(path string, a *ast.AliasNode, fn func(ast.Node)) {
	target, ok := d.resolveAlias(path, a)
	if !ok {
		d.bad[path] = true
		return
	}
	if d.depth >= maxAliasDepth {
		name, _ := scalarName(a.Value)
		d.addf(path, posOf(a), "alias *%s refers to itself or nests too deeply", name)
		d.bad[path] = true
		return
	}
	d.depth++
	defer func() { d.depth-- }()
	fn(target)
}

func scalarName(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case ast.ScalarNode:
		if tk := t.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}
