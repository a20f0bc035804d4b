package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("services: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLocateOrder(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	xdg := filepath.Join(dir, "xdg")
	flag := writeFile(t, filepath.Join(dir, "flag.yaml"))
	fromEnv := writeFile(t, filepath.Join(dir, "env.yaml"))
	inXDG := writeFile(t, filepath.Join(xdg, "flightdeck", "config.yaml"))
	inHome := writeFile(t, filepath.Join(home, ".config", "flightdeck", "config.yaml"))

	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"flag wins", flag, map[string]string{"FLIGHTDECK_CONFIG": fromEnv, "XDG_CONFIG_HOME": xdg, "HOME": home}, flag},
		{"then FLIGHTDECK_CONFIG", "", map[string]string{"FLIGHTDECK_CONFIG": fromEnv, "XDG_CONFIG_HOME": xdg, "HOME": home}, fromEnv},
		{"then XDG_CONFIG_HOME", "", map[string]string{"XDG_CONFIG_HOME": xdg, "HOME": home}, inXDG},
		{"then ~/.config", "", map[string]string{"HOME": home}, inHome},
		{"XDG dir without a file falls through to ~/.config", "", map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "empty"), "HOME": home}, inHome},
		{"relative XDG_CONFIG_HOME is ignored", "", map[string]string{"XDG_CONFIG_HOME": "xdg", "HOME": home}, inHome},
		{"~/ in the flag is expanded", "~/.config/flightdeck/config.yaml", map[string]string{"HOME": home}, inHome},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Locate(tt.flag, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Locate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLocateErrors(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	xdg := filepath.Join(dir, "xdg")
	writeFile(t, filepath.Join(home, ".config", "flightdeck", "config.yaml"))

	tests := []struct {
		name  string
		flag  string
		env   map[string]string
		wants []string
	}{
		{"missing --config does not fall back", filepath.Join(dir, "typo.yaml"), map[string]string{"HOME": home},
			[]string{"typo.yaml", "--config", "no config file found"}},
		{"missing FLIGHTDECK_CONFIG does not fall back", "", map[string]string{"FLIGHTDECK_CONFIG": filepath.Join(dir, "gone.yaml"), "HOME": home},
			[]string{"gone.yaml", "$FLIGHTDECK_CONFIG"}},
		{"nothing anywhere names every place looked", "", map[string]string{"XDG_CONFIG_HOME": xdg, "HOME": filepath.Join(dir, "nohome")},
			[]string{filepath.Join(xdg, "flightdeck", "config.yaml"), filepath.Join(dir, "nohome", ".config", "flightdeck", "config.yaml")}},
		{"a directory is not a config file", dir, map[string]string{"HOME": home},
			[]string{"is a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Locate(tt.flag, env(tt.env))
			if err == nil {
				t.Fatalf("Locate = %q, want an error", got)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := Locate("", env(map[string]string{"HOME": filepath.Join(dir, "nohome")})); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestStateAndCacheDir(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		state, cache string
	}{
		{"XDG set", map[string]string{"HOME": "/home/rm", "XDG_STATE_HOME": "/s", "XDG_CACHE_HOME": "/c"}, "/s/flightdeck", "/c/flightdeck"},
		{"XDG unset", map[string]string{"HOME": "/home/rm"}, "/home/rm/.local/state/flightdeck", "/home/rm/.cache/flightdeck"},
		{"XDG relative", map[string]string{"HOME": "/home/rm", "XDG_STATE_HOME": "s", "XDG_CACHE_HOME": "c"}, "/home/rm/.local/state/flightdeck", "/home/rm/.cache/flightdeck"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StateDir(env(tt.env)); got != tt.state {
				t.Errorf("StateDir = %q, want %q", got, tt.state)
			}
			if got := CacheDir(env(tt.env)); got != tt.cache {
				t.Errorf("CacheDir = %q, want %q", got, tt.cache)
			}
		})
	}
}
