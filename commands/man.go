package commands

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// The man pages are made from the commands themselves (cobra/doc), so
// what `man flightdeck-rollback` says is what `flightdeck rollback --help`
// says. docs/man holds them, checked in for packagers and release
// archives; TestManPagesCurrent fails when they differ from what this
// makes now. Regenerate with:
//
//	go run . man docs/man

// manDateField is the date cobra writes into a page's .TH line: a fixed
// one, removed again (manPage), so the pages do not change by themselves
// each month and the check above stays true.
var manDateField = time.Unix(0, 0).UTC()

func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write flightdeck's man pages (section 1) into DIR",
		Hidden: true,
		Args:   exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := writeManPages(cmd.Root(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d man pages to %s\n", n, args[0])
			return nil
		},
	}
}

// manPages renders one page per available command, by file name
// (flightdeck.1, flightdeck-rollback.1, …).
func manPages(root *cobra.Command) (map[string][]byte, error) {
	pages := map[string][]byte{}
	var walk func(*cobra.Command) error
	walk = func(c *cobra.Command) error {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			return nil
		}
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		b, err := manPage(c)
		if err != nil {
			return err
		}
		pages[strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"] = b
		return nil
	}
	root.DisableAutoGenTag = true
	return pages, walk(root)
}

// manPage renders one command's page, with no date in its .TH line.
func manPage(c *cobra.Command) ([]byte, error) {
	var buf bytes.Buffer
	d := manDateField
	header := &doc.GenManHeader{Section: "1", Date: &d, Source: "flightdeck", Manual: "flightdeck manual"}
	if err := doc.GenMan(c, header, &buf); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	stamp := []byte(`"` + d.Format("Jan 2006") + `"`)
	i := bytes.Index(b, stamp)
	th := bytes.Index(b, []byte(".TH "))
	if i < 0 || th < 0 || bytes.IndexByte(b[th:], '\n') < i-th {
		return nil, fmt.Errorf("man page of %q: no date in its .TH line to remove", c.CommandPath())
	}
	return append(append(append([]byte(nil), b[:i]...), `""`...), b[i+len(stamp):]...), nil
}

// writeManPages writes the pages into dir and removes the pages of
// commands that are gone, so dir is exactly what the commands make.
func writeManPages(root *cobra.Command, dir string) (int, error) {
	pages, err := manPages(root)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "flightdeck*.1"))
	for _, p := range old {
		if _, ok := pages[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				return 0, err
			}
		}
	}
	for name, b := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(pages), nil
}
