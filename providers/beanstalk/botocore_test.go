package beanstalk

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// Every request the Go SDK sends to the sim during these tests is held to
// botocore's Elastic Beanstalk model, as installed with python3's botocore
// (botocore/data/elasticbeanstalk/*/service-2.json.gz): the Action is an
// operation of the model, the Version its API version, every parameter
// name (with .member.N lists and nested members) a member of the
// operation's input shape, every value of the right kind (enum values,
// booleans, integers), and every required member present. Where python3
// or botocore is missing, the check is skipped, and said so.

type botoShape struct {
	Type     string             `json:"type"`
	Members  map[string]botoRef `json:"members"`
	Member   *botoRef           `json:"member"`
	Key      *botoRef           `json:"key"`
	Value    *botoRef           `json:"value"`
	Required []string           `json:"required"`
	Enum     []string           `json:"enum"`
	Flat     bool               `json:"flattened"`
}

type botoRef struct {
	Shape string `json:"shape"`
}

type botoModel struct {
	Metadata struct {
		APIVersion string `json:"apiVersion"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input *botoRef `json:"input"`
	} `json:"operations"`
	Shapes map[string]botoShape `json:"shapes"`
	Path   string               `json:"-"`
}

// botocoreModel is the installed botocore's model, or why there is none.
var botocoreModel = sync.OnceValues(func() (*botoModel, error) {
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return nil, fmt.Errorf("python3 with botocore not available: %v", err)
	}
	paths, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "data", "elasticbeanstalk", "*", "service-2.json*"))
	if len(paths) == 0 {
		return nil, fmt.Errorf("botocore has no elasticbeanstalk model under %s", strings.TrimSpace(string(out)))
	}
	sort.Strings(paths)
	path := paths[len(paths)-1]
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m botoModel
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		err = json.NewDecoder(z).Decode(&m)
		if err != nil {
			return nil, err
		}
	} else if err := json.NewDecoder(f).Decode(&m); err != nil {
		return nil, err
	}
	m.Path = path
	return &m, nil
})

// check lists what is wrong with one awsQuery request's form.
func (m *botoModel) check(form url.Values) []string {
	action := form.Get("Action")
	op, ok := m.Operations[action]
	if !ok {
		return []string{fmt.Sprintf("Action %q is no operation of the model", action)}
	}
	var probs []string
	if v := form.Get("Version"); v != m.Metadata.APIVersion {
		probs = append(probs, fmt.Sprintf("%s: Version %q, want %q", action, v, m.Metadata.APIVersion))
	}
	input := ""
	if op.Input != nil {
		input = op.Input.Shape
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		if k != "Action" && k != "Version" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if input == "" {
			probs = append(probs, fmt.Sprintf("%s takes no parameters, got %s", action, k))
			continue
		}
		if err := m.walk(input, strings.Split(k, "."), form.Get(k)); err != nil {
			probs = append(probs, fmt.Sprintf("%s: %s: %v", action, k, err))
		}
	}
	if input != "" {
		probs = append(probs, m.required(action, input, "", keys)...)
	}
	return probs
}

// walk follows a parameter name's segments down the shapes.
func (m *botoModel) walk(shape string, segs []string, value string) error {
	sh, ok := m.Shapes[shape]
	if !ok {
		return fmt.Errorf("shape %s is not in the model", shape)
	}
	switch sh.Type {
	case "structure":
		if len(segs) == 0 {
			return fmt.Errorf("structure %s given a value", shape)
		}
		ref, ok := sh.Members[segs[0]]
		if !ok {
			return fmt.Errorf("%s is no member of %s", segs[0], shape)
		}
		return m.walk(ref.Shape, segs[1:], value)
	case "list":
		if len(segs) == 0 {
			if value == "" {
				return nil // an empty list
			}
			return fmt.Errorf("list %s given a value", shape)
		}
		rest := segs
		if !sh.Flat {
			if segs[0] != "member" {
				return fmt.Errorf("list %s: %q, want member.N", shape, segs[0])
			}
			rest = segs[1:]
		}
		if len(rest) == 0 || !positive(rest[0]) {
			return fmt.Errorf("list %s: no index ≥ 1", shape)
		}
		return m.walk(sh.Member.Shape, rest[1:], value)
	case "map":
		if len(segs) < 3 || segs[0] != "entry" || !positive(segs[1]) || (segs[2] != "key" && segs[2] != "value") {
			return fmt.Errorf("map %s: want entry.N.key or entry.N.value", shape)
		}
		next := sh.Key.Shape
		if segs[2] == "value" {
			next = sh.Value.Shape
		}
		return m.walk(next, segs[3:], value)
	}
	if len(segs) != 0 {
		return fmt.Errorf("%s is a %s, not a structure", shape, sh.Type)
	}
	return scalarOK(sh, value)
}

// scalarOK checks a value against its scalar shape.
func scalarOK(sh botoShape, value string) error {
	switch {
	case len(sh.Enum) > 0 && !slices.Contains(sh.Enum, value):
		return fmt.Errorf("%q is not one of %v", value, sh.Enum)
	case sh.Type == "boolean" && value != "true" && value != "false":
		return fmt.Errorf("%q is no boolean", value)
	case sh.Type == "integer" || sh.Type == "long":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return fmt.Errorf("%q is no integer", value)
		}
	}
	return nil
}

func positive(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1
}

// required lists the required members missing from the structure at
// prefix, and from every structure under it that the request has.
func (m *botoModel) required(action, shape, prefix string, keys []string) []string {
	sh := m.Shapes[shape]
	var probs []string
	has := func(p string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return k == p || strings.HasPrefix(k, p+".") })
	}
	for _, r := range sh.Required {
		if !has(prefix + r) {
			probs = append(probs, fmt.Sprintf("%s: required %s%s is missing", action, prefix, r))
		}
	}
	for name, ref := range sh.Members {
		p := prefix + name
		if !has(p) {
			continue
		}
		switch sub := m.Shapes[ref.Shape]; sub.Type {
		case "structure":
			probs = append(probs, m.required(action, ref.Shape, p+".", keys)...)
		case "list":
			if m.Shapes[sub.Member.Shape].Type != "structure" {
				continue
			}
			for i := 1; has(fmt.Sprintf("%s.member.%d", p, i)); i++ {
				probs = append(probs, m.required(action, sub.Member.Shape, fmt.Sprintf("%s.member.%d.", p, i), keys)...)
			}
		}
	}
	return probs
}

// holdToBotocore records the Elastic Beanstalk requests the world
// receives from now on and, when the test ends, checks each against
// botocore's model.
func holdToBotocore(t *testing.T, srv *simtest.Server) {
	t.Helper()
	var mu sync.Mutex
	var forms []url.Values
	srv.World.SetTrafficCheck(func(service string, r *http.Request, body []byte) func(int, http.Header, []byte) {
		if service == sim.SvcBeanstalk {
			// The router parsed the body to route it (PostForm); a body
			// still unread is parsed here.
			form, err := r.PostForm, error(nil)
			if len(body) > 0 {
				form, err = url.ParseQuery(string(body))
			}
			if err != nil {
				form = url.Values{"Action": {"(unparseable body: " + err.Error() + ")"}}
			}
			mu.Lock()
			forms = append(forms, form)
			mu.Unlock()
		}
		return nil
	})
	t.Cleanup(func() {
		m, err := botocoreModel()
		if err != nil {
			t.Logf("requests not held to botocore: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ops := map[string]int{}
		for _, f := range forms {
			ops[f.Get("Action")]++
			for _, p := range m.check(f) {
				t.Errorf("botocore: %s\n  request: %s", p, f.Encode())
			}
		}
		t.Logf("%d requests held to %s: %s", len(forms), m.Path, formatOps(ops))
	})
}

// TestBotocoreModelFound says when the botocore checks cannot run.
func TestBotocoreModelFound(t *testing.T) {
	m, err := botocoreModel()
	if err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if len(m.Operations) < 40 || m.Metadata.APIVersion != "2010-12-01" {
		t.Fatalf("model %s: %d operations, version %q", m.Path, len(m.Operations), m.Metadata.APIVersion)
	}
}

// TestBotocoreCheckCatches: the check is not vacuous.
func TestBotocoreCheckCatches(t *testing.T) {
	m, err := botocoreModel()
	if err != nil {
		t.Skip(err)
	}
	v := "2010-12-01"
	cases := []struct {
		form url.Values
		want string // "" passes
	}{
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {v}, "ApplicationName": {"a"}, "EnvironmentNames.member.1": {"x"}, "IncludeDeleted": {"false"}}, ""},
		{url.Values{"Action": {"DescribeInstancesHealth"}, "Version": {v}, "EnvironmentId": {"e-1"}, "AttributeNames.member.1": {"All"}}, ""},
		{url.Values{"Action": {"CreateApplicationVersion"}, "Version": {v}, "ApplicationName": {"a"}, "VersionLabel": {"l"}, "SourceBundle.S3Bucket": {"b"}, "SourceBundle.S3Key": {"k"}}, ""},
		{url.Values{"Action": {"UpdateEnvironment"}, "Version": {v}, "EnvironmentName": {"e"}, "OptionSettings.member.1.Namespace": {"n"}, "OptionSettings.member.1.OptionName": {"o"}}, ""},
		{url.Values{"Action": {"DescribeEnvironmentz"}, "Version": {v}}, "no operation"},
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {"2011-01-01"}}, "Version"},
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {v}, "EnvironmentName": {"x"}}, "no member"},
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {v}, "EnvironmentNames.1": {"x"}}, "member.N"},
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {v}, "EnvironmentNames.member.0": {"x"}}, "index"},
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {v}, "IncludeDeleted": {"no"}}, "boolean"},
		{url.Values{"Action": {"DescribeEnvironments"}, "Version": {v}, "MaxRecords": {"ten"}}, "integer"},
		{url.Values{"Action": {"DescribeInstancesHealth"}, "Version": {v}, "AttributeNames.member.1": {"Mood"}}, "not one of"},
		{url.Values{"Action": {"DescribeConfigurationSettings"}, "Version": {v}, "EnvironmentName": {"e"}}, "required ApplicationName"},
		{url.Values{"Action": {"CreateApplicationVersion"}, "Version": {v}, "ApplicationName": {"a"}}, "required VersionLabel"},
		{url.Values{"Action": {"UpdateEnvironment"}, "Version": {v}, "OptionSettings.member.1.Value": {"v"}, "OptionSettings.member.1.Bogus": {"v"}}, "no member"},
		{url.Values{"Action": {"DescribeEvents"}, "Version": {v}, "Severity": {"LOUD"}}, "not one of"},
	}
	for _, c := range cases {
		probs := strings.Join(m.check(c.form), "\n")
		if c.want == "" && probs != "" || c.want != "" && !strings.Contains(probs, c.want) {
			t.Errorf("%s: %q, want %q", c.form.Encode(), probs, c.want)
		}
	}
}
