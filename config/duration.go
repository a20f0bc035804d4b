package config

import (
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration written in YAML as Go duration text ("10s",
// "2m", "1m30s"). A bare number is refused rather than guessed at: "10"
// could mean seconds or nanoseconds, and guessing wrong polls an API 10⁹
// times too often.
type Duration struct{ time.Duration }

// ParseDuration parses duration text as it appears in the config file. It
// refuses bare numbers, negative durations and anything time.ParseDuration
// refuses.
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Duration{}, fmt.Errorf("empty duration; write a number with a unit such as \"10s\" or \"2m\"")
	}
	if isBareNumber(t) {
		return Duration{}, fmt.Errorf("duration %q has no unit; write %q or %q", s, t+"s", t+"m")
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return Duration{}, fmt.Errorf("%q is not a duration; write a number with a unit such as \"10s\" or \"2m\"", s)
	}
	if d < 0 {
		return Duration{}, fmt.Errorf("duration %q is negative", s)
	}
	return Duration{d}, nil
}

// MarshalText writes the duration as Go duration text, so a Config can be
// written back as YAML (flightdeck sim --write-config) or JSON.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.Duration.String()), nil
}

// UnmarshalText reads duration text with the same rules as ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// isBareNumber reports whether s is a plain decimal number such as "10",
// "-3" or "1.5": a duration with its unit forgotten.
func isBareNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits, dots := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
