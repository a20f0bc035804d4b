package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// iamPrefix is each AWS SDK service package's IAM action prefix, with its
// client (to tell a real operation from a typo in the doc). A package the
// code starts to use that is not here fails the test below: add it, and
// its operations to docs/iam.md.
var iamPrefix = map[string]struct {
	prefix string
	client any
}{
	"github.com/aws/aws-sdk-go-v2/service/ecs":                    {"ecs", &ecs.Client{}},
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk":       {"elasticbeanstalk", &elasticbeanstalk.Client{}},
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2": {"elasticloadbalancing", &elasticloadbalancingv2.Client{}},
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch":             {"cloudwatch", &cloudwatch.Client{}},
}

// awsCalls finds, in the non-test Go files under root (the simulator and
// test support aside), every AWS SDK operation used: a request built as
// pkg.OpInput or read through pkg.NewOpPaginator. It returns
// "prefix:Op" → the files that use it, and the SDK service packages
// imported that iamPrefix does not know.
func awsCalls(t *testing.T, root string) (map[string][]string, []string) {
	t.Helper()
	calls := map[string][]string{}
	var unknown []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case path == root:
			case name == "sim" || name == "testdata" || strings.HasPrefix(name, "."):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		pkgs := map[string]string{} // local name → import path
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if !strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") || strings.Count(p, "/") != 4 {
				continue // types, internal packages: no operations
			}
			if _, ok := iamPrefix[p]; !ok && !slices.Contains(unknown, p) {
				unknown = append(unknown, p)
			}
			name := filepath.Base(p)
			if im.Name != nil {
				name = im.Name.Name
			}
			pkgs[name] = p
		}
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok || pkgs[id.Name] == "" {
				return true
			}
			op := ""
			switch s := sel.Sel.Name; {
			case strings.HasSuffix(s, "Input") && s != "Input":
				op = strings.TrimSuffix(s, "Input")
			case strings.HasPrefix(s, "New") && strings.HasSuffix(s, "Paginator"):
				op = strings.TrimSuffix(strings.TrimPrefix(s, "New"), "Paginator")
			}
			if info, ok := iamPrefix[pkgs[id.Name]]; ok && op != "" {
				k := info.prefix + ":" + op
				if !slices.Contains(calls[k], rel) {
					calls[k] = append(calls[k], rel)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return calls, unknown
}

func readIAMDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "iam.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIAMDocNamesEveryCall fails when the code calls an AWS operation
// docs/iam.md does not name: the policy there would be refused.
func TestIAMDocNamesEveryCall(t *testing.T) {
	calls, unknown := awsCalls(t, filepath.Join("..", ".."))
	for _, p := range unknown {
		t.Errorf("the code imports %s, which this test does not map to an IAM prefix: add it to iamPrefix and its operations to docs/iam.md", p)
	}
	// The board's first read: if the scan finds not even this, it is broken.
	if _, ok := calls["ecs:DescribeServices"]; !ok {
		t.Fatalf("found no ecs:DescribeServices among %d operations: the scan is broken", len(calls))
	}
	doc := readIAMDoc(t)
	ops := make([]string, 0, len(calls))
	for op := range calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(op) + `\b`).MatchString(doc) {
			t.Errorf("%s calls %s, which docs/iam.md does not name: add it to the feature it serves", strings.Join(calls[op], ", "), op)
		}
	}
	if !t.Failed() {
		t.Logf("%d AWS operations called, each named in docs/iam.md", len(ops))
	}
}

// TestIAMDocNamesRealOperations fails on a typo in docs/iam.md: every
// action it names under a prefix the code uses is an operation of that
// service's client.
func TestIAMDocNamesRealOperations(t *testing.T) {
	doc := readIAMDoc(t)
	clients := map[string]reflect.Type{}
	for _, info := range iamPrefix {
		clients[info.prefix] = reflect.TypeOf(info.client)
	}
	seen := 0
	for _, m := range regexp.MustCompile(`\b([a-z]+):([A-Z][a-z][A-Za-z0-9]+)\b`).FindAllStringSubmatch(doc, -1) {
		typ, ok := clients[m[1]]
		if !ok {
			continue // iam:PassRole and the like: not an SDK client of ours
		}
		seen++
		if _, ok := typ.MethodByName(m[2]); !ok {
			t.Errorf("docs/iam.md names %s:%s, which is not an operation of the %s client", m[1], m[2], m[1])
		}
	}
	if seen == 0 {
		t.Fatal("docs/iam.md names no operation at all")
	}
}
