package config

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// position is a 1-based line and column in the file; zero when unknown.
type position struct{ line, col int }

// posOf is where a node starts as a reader would point at it.
func posOf(n ast.Node) position {
	switch t := n.(type) {
	case nil:
		return position{}
	case *ast.MappingNode:
		// A block mapping's own token is its first ':'; the first key is
		// where a reader's eye goes. A flow mapping starts at its '{'.
		if len(t.Values) > 0 && !t.IsFlowStyle {
			return posOf(t.Values[0])
		}
	case *ast.MappingValueNode:
		if t.Key != nil {
			return posOf(t.Key)
		}
	case *ast.DocumentNode:
		return posOf(t.Body)
	}
	return positionOf(n.GetToken())
}

func positionOf(tk *token.Token) position {
	if tk == nil || tk.Position == nil {
		return position{}
	}
	return position{tk.Position.Line, tk.Position.Column}
}

// YAML paths name a value the way the user would find it:
// "services[1].environments[0].ecs.cluster".

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentPath drops the last ".key" or "[i]" from a path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}
