package commands

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// A release build sets these with the linker (goreleaser, .goreleaser.yaml):
//
//	-X github.com/airside-dev/flightdeck/commands.version=v1.2.3
//	-X github.com/airside-dev/flightdeck/commands.commit=<full sha>
//	-X github.com/airside-dev/flightdeck/commands.date=<RFC 3339>
//
// Left empty, the build info the go command stamps into every binary
// says it instead: the module version `go install …@v1.2.3` fetched, and
// the commit, its time and whether the tree was modified (vcs.* settings,
// stamped when the build ran inside a git checkout with -buildvcs on).
var (
	version string
	commit  string
	date    string
)

// buildIdentity is what --version and `flightdeck version` say.
type buildIdentity struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Date     string `json:"date,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// identity combines the linker's values (first) with the build info.
// bi is nil when the binary carries none.
func identity(bi *debug.BuildInfo, ldVersion, ldCommit, ldDate string) buildIdentity {
	// GoReleaser fills what it could not read from git with "none" and
	// the zero time (a snapshot of a clone without a remote): unknown.
	if ldCommit == "none" {
		ldCommit = ""
	}
	if t, err := time.Parse(time.RFC3339, ldDate); err == nil && t.IsZero() {
		ldDate = ""
	}
	id := buildIdentity{Version: ldVersion, Commit: ldCommit, Date: ldDate,
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			id.Go = bi.GoVersion
		}
		if id.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			id.Version = bi.Main.Version
		}
		vcsModified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if id.Commit == "" {
					id.Commit = s.Value
				}
			case "vcs.time":
				if id.Date == "" {
					id.Date = s.Value
				}
			case "vcs.modified":
				vcsModified = s.Value == "true"
			}
		}
		// The linker's commit names a clean tagged tree; the build info's
		// "modified" speaks of the tree it was built from.
		id.Modified = vcsModified && ldCommit == ""
	}
	if id.Version == "" {
		id.Version = "dev"
	}
	// The fields are kept exact: they reach stdout through termsafe's
	// writer (text) or EncodeJSON, like every other output.
	return id
}

// String is the one line --version prints (without the program's name).
func (id buildIdentity) String() string {
	var parts []string
	switch {
	case id.Commit != "":
		c := "commit " + shortCommit(id.Commit)
		if id.Modified {
			c += "-dirty"
		}
		if id.Date != "" {
			c += " of " + displayDate(id.Date)
		}
		parts = append(parts, c)
	case id.Date != "":
		parts = append(parts, displayDate(id.Date))
	}
	if id.Commit == "" && id.Modified {
		parts = append(parts, "modified")
	}
	parts = append(parts, id.Go, id.Platform)
	return id.Version + " (" + strings.Join(parts, ", ") + ")"
}

// shortCommit is a commit's twelve-character form (Go's pseudo-versions
// use as many), or the value as given when it is not a long hex SHA.
func shortCommit(c string) string {
	if len(c) > 12 && isHex(c) {
		return c[:12]
	}
	return c
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return s != ""
}

// displayDate shows an RFC 3339 time in UTC, to the minute; anything else
// as given.
func displayDate(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// currentIdentity is this binary's identity.
func currentIdentity() buildIdentity {
	bi, _ := debug.ReadBuildInfo()
	return identity(bi, version, commit, date)
}

// setVersion gives root --version (cobra's flag) and adds `version`.
func setVersion(root *cobra.Command, g *globals, io streams) {
	id := currentIdentity()
	root.Version = id.String()
	root.SetVersionTemplate("flightdeck {{.Version}}\n")
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print flightdeck's version, commit and build date",
		Long: `version prints the version, the commit it was built from (with -dirty
when the tree had changes), the commit's date, the Go version and the
platform: what --version prints. With --json the same as one object
(version, commit, date, modified, go, platform; --json FIELDS and --jq as
on the other commands).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.json {
				return g.emitJSON(io.out, id)
			}
			_, err := fmt.Fprintln(io.out, "flightdeck", id.String())
			return err
		},
	}
	g.jsonFlag(cmd)
	root.AddCommand(cmd)
}

// addIdentity gives root what an installed program has beside its
// commands: --version and `version`, a visible `completion` that completes
// names, and the hidden man page generator. It runs after every command
// is added, since completions attach to them.
func addIdentity(root *cobra.Command, g *globals, io streams) {
	setVersion(root, g, io)
	root.AddCommand(newManCmd())
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml")
	registerCompletions(root, g)
}

// version --json takes a field list as the other commands do (jsonout.go).
func init() { jsonShapes["version"] = buildIdentity{} }
