package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"10s", 10 * time.Second, ""},
		{"2m", 2 * time.Minute, ""},
		{"1m30s", 90 * time.Second, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{" 5s ", 5 * time.Second, ""},
		{"0s", 0, ""},
		{"10", 0, `"10" has no unit; write "10s"`},
		{"1.5", 0, "has no unit"},
		{"abc", 0, `"abc" is not a duration`},
		{"10 s", 0, "is not a duration"},
		{"-5s", 0, `"-5s" is negative`},
		{"", 0, "empty duration"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseDuration(%q): %v", tt.in, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseDuration(%q) error = %v, want %q", tt.in, err, tt.wantErr)
		case got.Duration != tt.want:
			t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDurationText(t *testing.T) {
	b, err := json.Marshal(struct{ D Duration }{Duration{90 * time.Second}})
	if err != nil || string(b) != `{"D":"1m30s"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var v struct{ D Duration }
	if err := json.Unmarshal([]byte(`{"D":"2m"}`), &v); err != nil || v.D.Duration != 2*time.Minute {
		t.Fatalf("unmarshal = %v, %v", v.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"10"}`), &v); err == nil {
		t.Fatal("unmarshal accepted a duration without a unit")
	}
}
