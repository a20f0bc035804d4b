package traffic

import (
	"testing"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/elbv2"
)

// FuzzCanaryShare: whatever weights a listener answers with (ELBv2 allows
// 0..999 a group; a hostile answer anything an int32 holds, groups
// repeated, the canary missing), the share is a percent and reading the
// canary's stage and blocks never panics.
func FuzzCanaryShare(f *testing.F) {
	f.Add(int32(90), int32(10), int32(0), uint8(0))
	f.Add(int32(0), int32(0), int32(0), uint8(1))
	f.Add(int32(999), int32(999), int32(999), uint8(2))
	f.Add(int32(-5), int32(2147483647), int32(1), uint8(3))
	f.Fuzz(func(t *testing.T, stable, canary, other int32, shape uint8) {
		p := Pair{Cluster: "c", Listener: "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/lb/1/2",
			Stable: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/s/1", Canary: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/c/2"}
		ws := []elbv2.Weight{{TargetGroup: p.Stable, Weight: asRead(stable)}, {TargetGroup: p.Canary, Weight: asRead(canary)},
			{TargetGroup: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/\x1b[31mx/3", Weight: asRead(other)}}
		switch shape % 4 {
		case 1:
			ws = ws[:1] // the canary missing
		case 2:
			ws = append(ws, ws[1]) // a group twice
		case 3:
			ws = nil
		}
		w, _ := canaryShare(elbv2.Forward{Weights: ws}, p)
		if w < 0 || w > 100 {
			t.Fatalf("share %d of %+v", w, ws)
		}
		st := model.EnvStatus{Version: model.Version{SHA: "abcdef1"}}
		_ = canaryBlocked(p, map[string]string{p.Stable: "s"}, w, "", st, st, elbv2.Health{}, nil)
		_ = canaryStage(w, st.Version, model.Version{})
	})
}

// asRead is the weight as forwardOf reads the SDK's int32: as it comes.
func asRead(v int32) int { return int(v) }
