package commands

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkPollCalls is what one poll of the whole demo world costs each
// provider, in requests the sim received, through the real providers and
// the same Fetch the dashboard makes (the first poll, which reads every
// task definition and workflow file once, is left out). "unchanged" polls
// a world that did not move since the last poll; "moving" steps it 2 s (the
// hot pace) between polls. It reports requests per poll, per provider.
func BenchmarkPollCalls(b *testing.B) {
	for _, c := range []struct {
		name string
		step time.Duration
	}{{"unchanged", 0}, {"moving", 2 * time.Second}} {
		b.Run(c.name, func(b *testing.B) {
			path, sw, clk := simConfig(b)
			g := &globals{configPath: path, now: clk.Now}
			cfg, err := loadConfig(g)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			w, err := buildWorld(ctx, g, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer w.close()
			pollOnce(ctx, w, 20*time.Second, clk.Now)
			sw.ResetRequests()
			b.ResetTimer()
			for b.Loop() {
				if c.step > 0 {
					sw.Step(clk.Advance(c.step))
				}
				pollOnce(ctx, w, 20*time.Second, clk.Now)
			}
			per := map[string]int{}
			for k, n := range sw.Requests() {
				svc, _, _ := strings.Cut(k, ":")
				per[svc] += n
			}
			for svc, n := range per {
				b.ReportMetric(float64(n)/float64(b.N), svc+"-calls/poll")
			}
		})
	}
}
