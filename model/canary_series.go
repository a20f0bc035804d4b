package model

import (
	"encoding/json"
	"math"
)

// Series is a canary side's per-minute samples, oldest first; NaN is a
// minute with no datapoint. JSON has no NaN (encoding/json refuses to
// write one, which would fail the whole `status --json` document), so a
// missing minute is written as null and read back as NaN.
type Series []float64

// MarshalJSON writes NaN and the infinities as null.
func (s Series) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	out := make([]*float64, len(s))
	for i := range s {
		if !math.IsNaN(s[i]) && !math.IsInf(s[i], 0) {
			out[i] = &s[i]
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads null as NaN.
func (s *Series) UnmarshalJSON(b []byte) error {
	var in []*float64
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in == nil {
		*s = nil
		return nil
	}
	*s = make(Series, len(in))
	for i, v := range in {
		(*s)[i] = math.NaN()
		if v != nil {
			(*s)[i] = *v
		}
	}
	return nil
}
