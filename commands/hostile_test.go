package commands

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/secret"
	"github.com/airside-dev/flightdeck/sim"
)

// The hostile-server test (issue 12): a small server in the test stands
// between flightdeck's real clients (CircleCI's, go-github, the AWS SDK)
// and a simulated world, and rewrites every answer so that every string
// in it (names, messages, ids, SHAs, images, labels, errors) carries an
// attack. The world gives the answers their real shapes; the server makes
// them hostile. Then every output is read: each screen of the dashboard,
// `status`, `status --json`, `history`, `audit` and `audit --json`. None
// may carry a control character or a piece of a secret.

// hostileAttacks is what an outsider can put in any field.
var hostileAttacks = map[string]string{
	"osc52 clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07",
	"osc0 title":      "\x1b]0;pwned\x1b\\",
	"osc8 link":       "\x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\",
	"csi clear":       "\x1b[2J\x1b[H",
	"sgr conceal":     "\x1b[8m",
	"8-bit csi":       "\u009b2J",
	"raw 0x9b":        "\x9b2J",
	"nul":             "\x00",
	"bell":            "\a",
	"backspace":       "\b\b\b",
	"carriage return": "\rFAKE",
	"bidi override":   "\u202Edcba\u202C",
	"bidi isolate":    "\u2066x\u2069",
	"zero width":      "\u200b\u200c\u2060\ufeff",
	"line separator":  "\u2028",
	"tags":            "\U000E0041\U000E0042",
	"dcs":             "\x1bP1$r0m\x1b\\",
	"apc kitty":       "\x1b_Gf=100;AAAA\x1b\\",
}

// Fields whose values the clients need as they are to work at all
// (enumerations, timestamps, base64 file content, the names ECS answers
// by, which the provider matches to what it asked) keep them; everything
// else is hostile.
var keepKeys = map[string]bool{
	"status": true, "conclusion": true, "state": true, "type": true, "rolloutState": true,
	"desiredStatus": true, "lastStatus": true, "launchType": true, "content": true,
	"encoding": true, "event": true, "__type": true, "timestamp": true,
	"serviceName": true, "serviceArn": true, "clusterArn": true,
}

func keep(path, key string) bool {
	// The container the config names is found by its name.
	if strings.HasSuffix(path, ".containerDefinitions[]") && key == "name" {
		return true
	}
	return keepKeys[key] || strings.HasSuffix(key, "_at") || strings.HasSuffix(key, "At") ||
		strings.HasSuffix(key, "_url") || key == "url"
}

// hostileServer poisons a world's answers with one attack.
type hostileServer struct {
	next   http.Handler
	attack string
	// failing answers every request with an error that echoes the
	// request's credentials and the attack.
	failing bool

	mu     sync.Mutex
	fields map[string]map[string]bool // marker → the fields that carried it
}

func newHostileServer(next http.Handler, attack string, failing bool) *hostileServer {
	return &hostileServer{next: next, attack: attack, failing: failing, fields: map[string]map[string]bool{}}
}

var markerRe = regexp.MustCompile(`‹\d{4}›`)

// poisoned is v with a marker naming it and the attack in front.
func (h *hostileServer) poisoned(field, v string) string {
	f := fnv.New32a()
	_, _ = f.Write([]byte(v))
	marker := fmt.Sprintf("‹%04d›", f.Sum32()%10000)
	h.mu.Lock()
	if h.fields[marker] == nil {
		h.fields[marker] = map[string]bool{}
	}
	h.fields[marker][field] = true
	h.mu.Unlock()
	return marker + h.attack + v
}

// marked is the set of fields that carried marker m.
func (h *hostileServer) marked(m string) map[string]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]bool{}
	for f := range h.fields[m] {
		out[f] = true
	}
	return out
}

// unpoisoned takes the attack and markers back out of what a client sends
// (an id it read from an answer, in a path, a query or a body).
func (h *hostileServer) unpoisoned(s string) string {
	return markerRe.ReplaceAllString(strings.ReplaceAll(s, h.attack, ""), "")
}

func (h *hostileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.failing {
		h.fail(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = h.unpoisoned(r.URL.Path), ""
	q := r.URL.Query()
	for k, vs := range q {
		for i := range vs {
			vs[i] = h.unpoisoned(vs[i])
		}
		q[k] = vs
	}
	r2.URL.RawQuery = q.Encode()
	r2.RequestURI = r2.URL.RequestURI()
	if len(body) > 0 {
		var v any
		if json.Unmarshal(body, &v) == nil {
			body, _ = json.Marshal(walkJSON(v, "", func(_, s string) string { return h.unpoisoned(s) }))
		} else if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			for k, vs := range form {
				for i := range vs {
					vs[i] = h.unpoisoned(vs[i])
				}
				form[k] = vs
			}
			body = []byte(form.Encode())
		}
	}
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	h.next.ServeHTTP(rec, r2)
	out := rec.body.Bytes()
	var v any
	route := routeOf(r, body)
	poison := func(path, s string) string { return h.poisoned(route+" "+path, s) }
	switch {
	case len(out) > 0 && json.Unmarshal(out, &v) == nil:
		out, _ = json.Marshal(walkJSON(v, "", poison))
	case bytes.HasPrefix(bytes.TrimSpace(out), []byte("<")):
		if x, err := walkXML(out, poison); err == nil {
			out = x
		}
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.code)
	_, _ = w.Write(out)
}

// fail answers as each service answers a refused credential, echoing what
// the request carried (as a careless server might) and the attack.
func (h *hostileServer) fail(w http.ResponseWriter, r *http.Request) {
	creds := strings.Join([]string{r.Header.Get("Circle-Token"), r.Header.Get("Authorization"),
		r.Header.Get("X-Amz-Security-Token")}, " ")
	msg := "invalid credentials " + creds + " " + h.attack + " " + strings.Repeat("padding ", 40) + creds
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Header.Get("Content-Type") == "application/x-www-form-urlencoded":
		// awsQuery (Elastic Beanstalk): an XML error document.
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>%s</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`, xmlText(msg))
	case r.Header.Get("X-Amz-Target") != "":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Errortype", "UnrecognizedClientException")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "UnrecognizedClientException", "message": msg})
	case strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || strings.HasPrefix(r.Header.Get("Authorization"), "token "):
		// GitHub's rate limit, which go-github reads from the headers.
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(time.Hour).Unix()))
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "API rate limit exceeded for " + msg})
	default:
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
}

// routeOf names an API call for the report: the AWS operation, or the
// path with its ids starred.
func routeOf(r *http.Request, body []byte) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return "ecs " + t[strings.LastIndex(t, ".")+1:]
	}
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
		return "beanstalk " + form.Get("Action")
	}
	var parts []string
	for _, p := range strings.Split(strings.Trim(r.URL.Path, "/"), "/") {
		if p == "" || strings.IndexFunc(p, func(c rune) bool { return !unicode.IsLower(c) && c != '_' && c != '-' }) >= 0 {
			p = "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "/")
}

// walkJSON applies f to every string value of a decoded JSON document
// (keys stay), with the value's path; values under keep keys stay too.
func walkJSON(v any, path string, f func(path, s string) string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if _, isString := e.(string); isString && keep(path, k) {
				continue
			}
			x[k] = walkJSON(e, path+"."+k, f)
		}
	case []any:
		for i, e := range x {
			x[i] = walkJSON(e, path+"[]", f)
		}
	case string:
		return f(path, x)
	}
	return v
}

// xmlKeep are the awsQuery elements whose text the client needs as it
// is: enumerations, the names it matches to what it asked, and what the
// SDK parses as a number, a boolean or a time (kept by xmlTyped).
var xmlKeep = map[string]bool{
	"Status": true, "Health": true, "HealthStatus": true, "Color": true, "Severity": true,
	"EnvironmentName": true, "ApplicationName": true, "Namespace": true, "OptionName": true,
	"Code": true, "Type": true, "RequestId": true,
}

var xmlTypedRe = regexp.MustCompile(`^(-?[0-9.]+(E-?[0-9]+)?|true|false|\d{4}-\d\d-\d\dT[0-9:.]+Z)$`)

// walkXML applies f to the text of every awsQuery answer element but the
// kept ones, with the element's path. It writes the text back escaped for
// XML's markup only, so the attack's bytes arrive raw: where XML forbids
// them (ESC, NUL…), the client's decoder must refuse the answer, and that
// refusal is what must reach the outputs safely.
func walkXML(doc []byte, f func(path, s string) string) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out bytes.Buffer
	var path []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			fmt.Fprintf(&out, "<?%s %s?>", t.Target, t.Inst)
		case xml.StartElement:
			path = append(path, t.Name.Local)
			out.WriteString("<" + qname(t.Name))
			for _, a := range t.Attr {
				fmt.Fprintf(&out, ` %s="%s"`, qname(a.Name), xmlText(a.Value))
			}
			out.WriteString(">")
		case xml.EndElement:
			path = path[:len(path)-1]
			out.WriteString("</" + qname(t.Name) + ">")
		case xml.CharData:
			text := string(t)
			if len(path) > 0 && strings.TrimSpace(text) != "" && !xmlKeep[path[len(path)-1]] && !xmlTypedRe.MatchString(text) {
				text = f(strings.Join(path[1:], "."), text)
			}
			out.WriteString(xmlText(text))
		}
	}
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// xmlText escapes XML's markup characters and nothing else.
func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// hostileSecrets are the credentials of the run: tokens in the
// environment and AWS keys that only a credentials file holds, so that
// the scrubber must learn them as the SDK resolves them.
var hostileSecrets = map[string]string{
	"circleci token":        "CCIPAT_HostileTestToken_4f1c9a2e7b3d5f60",
	"github token":          "ghp_HostileTestTokenA1b2C3d4E5f6G7h8I9j0",
	"aws access key id":     "AKIAHOSTILETEST7Q2Z",
	"aws secret access key": "hOsTiLeSeCrEtKeY/k7+Q2zX9wVb3nM5pL8rT1yU4",
	"aws session token":     "IQoJb3JpZ2luX2VjHostileSessionTokenValue/abc+def+ghi==",
}

// hostileEnv points flightdeck at a credentials file and the tokens.
func hostileEnv(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	body := fmt.Sprintf("[hostile]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n",
		hostileSecrets["aws access key id"], hostileSecrets["aws secret access key"], hostileSecrets["aws session token"])
	if err := os.WriteFile(creds, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": filepath.Join(dir, "config"),
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"CIRCLECI_TOKEN": hostileSecrets["circleci token"], "GH_TOKEN": hostileSecrets["github token"],
		"CIRCLECI_CLI_TOKEN": "", "CIRCLE_TOKEN": "", "GITHUB_TOKEN": "", "GH_HOST": "", "CIRCLECI_CLI_HOST": "",
		"HOME": dir, "XDG_CACHE_HOME": filepath.Join(dir, "cache"), "XDG_STATE_HOME": filepath.Join(dir, "state"),
	} {
		t.Setenv(k, v)
	}
}

// hostileConfig signs AWS requests with the credentials file's profile.
func hostileConfig(raw []byte) []byte {
	return bytes.Replace(raw, []byte("  anonymous: true\n"), []byte("  profile: hostile\n"), 1)
}

// unsafe names the first thing in out that must not reach a terminal: a
// control character (but newline and tab), a format character, an
// invalid byte, or eight bytes of a secret. The frames are drawn without
// colour, so the one escape of ours they keep is reverse video around a
// selection (theme.Reverse, drawn whatever the profile so NO_COLOR still
// shows it): exactly those two sequences are taken out first. Outside
// text cannot forge them, since every ESC of it is defused before it
// reaches a frame, and that is what this checks.
func unsafe(out string) string {
	out = strings.NewReplacer("\x1b[7m", "", "\x1b[27m", "").Replace(out)
	for i, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r == '\uFFFD' && !strings.HasPrefix(out[i:], "\uFFFD"):
			return fmt.Sprintf("an invalid byte at %d", i)
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029':
			return fmt.Sprintf("control %U at %d", r, i)
		case unicode.Is(unicode.Cf, r) && r != '\u200d':
			return fmt.Sprintf("format character %U at %d", r, i)
		}
	}
	for name, v := range hostileSecrets {
		for off := 0; off+secret.Fragment <= len(v); off++ {
			if strings.Contains(out, v[off:off+secret.Fragment]) {
				return "a piece of the " + name + ": " + v[off:off+secret.Fragment]
			}
		}
	}
	return ""
}

// hostileAudit writes audit records whose every field is hostile, and
// whose errors carry the secrets.
func hostileAudit(t *testing.T, path, attack string) {
	l := audit.Open(path)
	all := strings.Join([]string{hostileSecrets["github token"], hostileSecrets["aws access key id"]}, " ")
	for _, r := range []audit.Record{
		{Time: time.Now(), User: "dana" + attack, Action: "rollback", Service: "api" + attack, Environment: "production" + attack,
			From: "1c0ffee" + attack, To: "7d3e2a1" + attack, Result: audit.ResultFailed, Error: "POST failed: " + attack + all, Detail: attack},
		{Time: time.Now(), User: "dana", Action: "approve", Service: "api", Gate: "hold" + attack, Result: audit.ResultOK, RequestIDs: []string{"req" + attack}},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

// screens drives the dashboard through every screen that shows outside
// text and returns each frame, named.
func screens(t *testing.T, r *latencyRig) map[string]string {
	out := map[string]string{}
	key := func(k string) {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		}
		r.send(msg)
	}
	r.settle(300 * time.Millisecond)
	out["board"] = r.m.View()
	// Every service of the world, the Beanstalk one included.
	services := bytes.Count(r.world.WriteConfig(r.base), []byte("\n  - name: "))
	for i := range services {
		key("enter")
		r.settle(150 * time.Millisecond) // the commits the detail reads
		out[fmt.Sprintf("detail %d", i)] = r.m.View()
		key("v")
		if r.shows("Log of ") {
			r.until(t, "the job log", 10*time.Second, func() bool { return !r.shows("reading the log") })
			out[fmt.Sprintf("job log %d", i)] = r.m.View()
			key("esc")
		}
		key("e")
		out[fmt.Sprintf("events %d", i)] = r.m.View()
		if r.shows("Events of ") {
			key("esc")
		}
		key("l")
		out[fmt.Sprintf("detail %d, second environment", i)] = r.m.View()
		key("r")
		r.settle(150 * time.Millisecond) // the history, where there is one
		out[fmt.Sprintf("picker %d", i)] = r.m.View()
		key("esc")
		key("esc")
		key("a")
		// A gate is checked (and what it ships read) before its
		// confirmation opens; wait for that, however slow the machine.
		r.until(t, "the gate's check", 10*time.Second, func() bool { return !r.shows("checking ") })
		r.settle(50 * time.Millisecond)
		out[fmt.Sprintf("approve modal %d", i)] = r.m.View()
		for n := 0; n < 3 && r.shows("esc cancel"); n++ {
			key("esc")
			r.settle(50 * time.Millisecond)
		}
		key("down")
	}
	key("L")
	r.until(t, "the audit log", 5*time.Second, func() bool { return r.shows("Audit log") })
	out["audit view"] = r.m.View()
	key("esc")
	key("?")
	out["help"] = r.m.View()
	return out
}

// headless runs the commands that print outside text.
func headless(t *testing.T, cfgPath, auditPath string) map[string]string {
	out := map[string]string{}
	for _, args := range [][]string{
		{"status"}, {"status", "--json"}, {"history", "api", "production"}, {"history", "web", "production", "--json"},
		{"audit"}, {"audit", "--json"},
	} {
		var stdout, stderr bytes.Buffer
		all := append([]string{"--config", cfgPath, "--audit-log", auditPath}, args...)
		run(t.Context(), all, streams{strings.NewReader(""), &stdout, &stderr})
		name := strings.Join(args, " ")
		if stdout.Len()+stderr.Len() == 0 {
			t.Errorf("flightdeck %s printed nothing", name)
		}
		out[name+" (stdout)"], out[name+" (stderr)"] = stdout.String(), stderr.String()
	}
	return out
}

func TestHostileServer(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-server test skipped in -short mode")
	}
	hostileEnv(t)
	names := make([]string, 0, len(hostileAttacks))
	for n := range hostileAttacks {
		names = append(names, n)
	}
	sort.Strings(names)
	var mu sync.Mutex
	shown := map[string]map[string]bool{} // field → attacks seen defused on an output
	t.Run("rounds", func(t *testing.T) {
		// One round an attack, every field carrying it; then one round where
		// every request fails with an error that echoes the credentials and
		// every attack at once.
		rounds := append([]string{}, names...)
		rounds = append(rounds, "errors")
		for _, name := range rounds {
			attack := hostileAttacks[name]
			if name == "errors" {
				for _, n := range names {
					attack += hostileAttacks[n]
				}
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				fields := hostileRound(t, attack, name == "errors")
				mu.Lock()
				defer mu.Unlock()
				for _, f := range fields {
					if shown[f] == nil {
						shown[f] = map[string]bool{}
					}
					shown[f][name] = true
				}
			})
		}
	})
	var fields []string
	for f := range shown {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	t.Logf("%d fields of the answers reached an output; every output was free of controls and secrets for every attack:", len(fields))
	for _, f := range fields {
		t.Logf("  %-80s shown with %2d/%d attacks", f, len(shown[f]), len(names))
	}
}

// hostileRound serves one attack (or fails every request), reads every
// output and fails on anything unsafe. It returns the fields whose
// markers reached an output.
func hostileRound(t *testing.T, attack string, failing bool) []string {
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	hostileAudit(t, auditPath, attack)
	var hs *hostileServer
	r := newRig(t, rigOptions{
		world: sim.Options{Seed: 7, Clock: fakeclock.New(time.Now())},
		wrap: func(next http.Handler) http.Handler {
			hs = newHostileServer(next, attack, failing)
			return hs
		},
		config: hostileConfig, realTokens: true, auditLog: auditPath, quiet: 15 * time.Millisecond,
		waitFor: func(view string) bool { return strings.Contains(view, "SERVICE") },
	})
	outputs := screens(t, r)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, hostileConfig(r.world.WriteConfig(r.base)), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range headless(t, cfgPath, auditPath) {
		outputs[k] = v
	}
	for where, text := range outputs {
		if what := unsafe(text); what != "" {
			t.Errorf("%s carries %s:\n%s", where, what, text)
		}
	}
	if failing && !strings.Contains(outputs["status (stdout)"], secret.Mask) {
		t.Errorf("the failing round's status shows no scrubbed credential; did the errors reach it?\n%s", outputs["status (stdout)"])
	}
	var fields []string
	seen := map[string]bool{}
	for _, m := range markerRe.FindAllString(strings.Join(mapValues(outputs), "\n"), -1) {
		for field := range hs.marked(m) {
			if !seen[field] {
				seen[field] = true
				fields = append(fields, field)
			}
		}
	}
	return fields
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
