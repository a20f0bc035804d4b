package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui"
)

// The names cache: what shell completion offers beyond the config (gate
// names and recent SHAs), kept from the last poll `status` made or the
// dashboard saw before it quit. Names only, no text of any other kind
// (no subject, no message, nothing secret), each one passed by safeName
// first; one small JSON file per config under config.CacheDir. Writing it
// is best effort: a cache that cannot be written costs completions, never
// a command's result, so nothing is printed about it.

// Bounds on what one service keeps: completions are for typing, not a log.
const (
	namesMaxSHAs  = 30
	namesMaxGates = 30
	namesMaxLen   = 128
)

// namesFile is the cache's one file for a config.
type namesFile struct {
	Config   string         `json:"config"`
	Written  time.Time      `json:"written"`
	Services []namedService `json:"services"`
}

// namedService is what a service's completions may offer.
type namedService struct {
	Name         string     `json:"name"`
	Environments []string   `json:"environments,omitempty"`
	Gates        []string   `json:"gates,omitempty"`
	SHAs         []namedSHA `json:"shas,omitempty"`
}

// namedSHA is a commit seen in the last poll and where: an environment's
// name, or "" for a pipeline.
type namedSHA struct {
	SHA string `json:"sha"`
	Env string `json:"env,omitempty"`
}

// safeName says whether s may be offered to a shell as a completion: one
// word of printable letters, digits and a few punctuation marks names use
// (no space, no control, no quote, nothing a shell expands), unchanged by
// termsafe, and short.
func safeName(s string) bool {
	if s == "" || len(s) > namesMaxLen || termsafe.Line(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			continue
		}
		if !strings.ContainsRune("-_.:/@+", r) {
			return false
		}
	}
	return !strings.HasPrefix(s, "-") // never read as a flag
}

// safeSHA says whether s is a commit SHA as rollback takes it.
func safeSHA(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// namesPath is the cache file for the config at cfgPath.
func namesPath(cfgPath string, getenv func(string) string) string {
	if abs, err := filepath.Abs(cfgPath); err == nil {
		cfgPath = abs
	}
	sum := sha256.Sum256([]byte(cfgPath))
	return filepath.Join(config.CacheDir(getenv), "names-"+hex.EncodeToString(sum[:8])+".json")
}

// namesFrom keeps the names a snapshot carries, each checked.
func namesFrom(cfgPath string, snap *model.Snapshot, now time.Time) namesFile {
	f := namesFile{Config: cfgPath, Written: now.UTC()}
	if snap == nil {
		return f
	}
	for _, s := range snap.Services {
		if !safeName(s.Name) {
			continue
		}
		n := namedService{Name: s.Name}
		addSHA := func(sha, env string) {
			if !safeSHA(sha) || (env != "" && !safeName(env)) || len(n.SHAs) >= namesMaxSHAs {
				return
			}
			if slices.ContainsFunc(n.SHAs, func(x namedSHA) bool { return x.SHA == sha }) {
				return
			}
			n.SHAs = append(n.SHAs, namedSHA{SHA: sha, Env: env})
		}
		addGate := func(name string) {
			if safeName(name) && len(n.Gates) < namesMaxGates && !slices.Contains(n.Gates, name) {
				n.Gates = append(n.Gates, name)
			}
		}
		for _, e := range s.Environments {
			if safeName(e.Environment) {
				n.Environments = append(n.Environments, e.Environment)
			}
			addSHA(e.Version.SHA, e.Environment)
			for _, r := range e.Rollouts {
				addSHA(r.Version.SHA, e.Environment)
			}
		}
		for _, g := range snap.Approvals {
			if g.Service == s.Name {
				addGate(g.Gate)
			}
		}
		for _, p := range s.Pipelines {
			addSHA(p.SHA, "")
			for _, w := range p.Workflows {
				for _, j := range w.Jobs {
					if j.Approval {
						addGate(j.Name)
					}
				}
			}
		}
		f.Services = append(f.Services, n)
	}
	return f
}

// rememberNames writes the names cache for the config at cfgPath from a
// poll's snapshot. Best effort, silent: see the top of this file.
func rememberNames(cfgPath string, snap *model.Snapshot) {
	if cfgPath == "" || snap == nil {
		return
	}
	b, err := json.Marshal(namesFrom(cfgPath, snap, time.Now()))
	if err != nil {
		return
	}
	path := namesPath(cfgPath, os.Getenv)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".names-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// recalledNames reads the names cache for the config at cfgPath; nothing
// when there is none or it cannot be read. What it holds is checked again
// here: the file is outside text too.
func recalledNames(cfgPath string) namesFile {
	var f namesFile
	path := namesPath(cfgPath, os.Getenv)
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > 1<<20 {
		return namesFile{}
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &f) != nil {
		return namesFile{}
	}
	return f
}

// runAndRemember runs the dashboard's program and, when it ends, keeps
// the names of what it saw last for completion (not for the demo: its
// world is made up anew each time).
func runAndRemember(p *tea.Program, g *globals, cfgPath string) (tea.Model, error) {
	final, err := p.Run()
	if g.simulated {
		return final, err
	}
	if gm, ok := final.(guarded); ok {
		if m, ok := gm.inner.(ui.Model); ok {
			rememberNames(cfgPath, m.Snapshot())
		}
	}
	return final, err
}
