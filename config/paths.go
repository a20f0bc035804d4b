package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNotFound is returned (wrapped) by Locate when no config file exists in
// any of the places it looks.
var ErrNotFound = errors.New("no config file found")

// Locate finds the config file: flagPath (--config) if given, else
// $FLIGHTDECK_CONFIG, else $XDG_CONFIG_HOME/flightdeck/config.yaml, else
// $HOME/.config/flightdeck/config.yaml. The last two are used on macOS too,
// where DevOps users expect ~/.config rather than ~/Library.
//
// An explicit path (flag or variable) that does not exist is an error of its
// own rather than a reason to keep looking: silently falling back to another
// file could point a release at the wrong account.
func Locate(flagPath string, getenv func(string) string) (string, error) {
	home := homeDir(getenv)
	if flagPath != "" {
		return explicit("--config", expandHome(flagPath, home))
	}
	if p := getenv("FLIGHTDECK_CONFIG"); p != "" {
		return explicit("$FLIGHTDECK_CONFIG", expandHome(p, home))
	}

	var looked []string
	for _, dir := range []string{xdgDir(getenv, "XDG_CONFIG_HOME"), join(home, ".config")} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "flightdeck", "config.yaml")
		if slices.Contains(looked, p) {
			continue
		}
		looked = append(looked, p)
		ok, err := isFile(p)
		if err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
		if ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("config: %w; looked for %s (set --config or $FLIGHTDECK_CONFIG, or run `flightdeck init`, or start from config.example.yaml in the source)",
		ErrNotFound, strings.Join(looked, ", "))
}

// StateDir is where flightdeck keeps state such as the audit log:
// $XDG_STATE_HOME/flightdeck, else ~/.local/state/flightdeck.
func StateDir(getenv func(string) string) string {
	return appDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"))
}

// CacheDir is where flightdeck keeps what it can rebuild:
// $XDG_CACHE_HOME/flightdeck, else ~/.cache/flightdeck.
func CacheDir(getenv func(string) string) string {
	return appDir(getenv, "XDG_CACHE_HOME", ".cache")
}

func appDir(getenv func(string) string, xdgVar, underHome string) string {
	if dir := xdgDir(getenv, xdgVar); dir != "" {
		return filepath.Join(dir, "flightdeck")
	}
	// With no home at all this stays relative to the working directory,
	// which is the least surprising of the bad options.
	return filepath.Join(homeDir(getenv), underHome, "flightdeck")
}

// xdgDir reads an XDG base directory variable. The XDG spec says relative
// values are invalid and must be ignored, so they are.
func xdgDir(getenv func(string) string, name string) string {
	dir := getenv(name)
	if dir == "" || !filepath.IsAbs(dir) {
		return ""
	}
	return dir
}

// homeDir reads $HOME through getenv so tests can inject it, falling back to
// the OS's idea of home (USERPROFILE on Windows).
func homeDir(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// expandHome turns a leading "~/" into home; "~user/" is left alone.
func expandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

func explicit(source, p string) (string, error) {
	ok, err := isFile(p)
	if err != nil {
		return "", fmt.Errorf("config: %s: %w", source, err)
	}
	if !ok {
		return "", fmt.Errorf("config: %s (from %s): %w", p, source, ErrNotFound)
	}
	return p, nil
}

// isFile reports whether p exists as a regular file (or a link to one). A
// directory or an unreadable parent is an error, not "missing", so a typo in
// permissions is not mistaken for an absent file.
func isFile(p string) (bool, error) {
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case fi.IsDir():
		return false, fmt.Errorf("%s is a directory, not a config file", p)
	}
	return true, nil
}

func join(dir, sub string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, sub)
}
