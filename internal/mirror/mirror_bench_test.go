package mirror

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// benchSize reads a size from the environment (scripts/bench.sh passes
// them through), def when unset.
func benchSize(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q is not a positive number", name, v)
	}
	return n
}

// benchMirror is a mirror on a fresh, migrated database of the test
// PostgreSQL (closed and dropped when the benchmark ends).
func benchMirror(b *testing.B, dt *dtfake.Server) *Mirror {
	b.Helper()
	st := testenv.Store(b)
	return &Mirror{DT: dt.Client(), Store: st, Platform: "matrix", Log: zerolog.Nop(), Base: dt.URL(), DeadlineZone: "America/Los_Angeles"}
}

// BenchmarkBackfill10k: `liaisonbot sync -full` of a generated history of
// 10,000 statements (LIAISONBOT_BENCH_BACKFILL overrides) from the fake
// Datatracker into a fresh database: paging through events, statements,
// related statements and attachments, then the batched upserts. Issue 3
// point 11; docs/performance.md.
func BenchmarkBackfill10k(b *testing.B) {
	n := benchSize(b, "LIAISONBOT_BENCH_BACKFILL", 10000)
	dt := dtfake.New()
	dt.Generate(n, 1)
	dt.Start()
	b.Cleanup(dt.Close)
	ctx := context.Background()
	var reqs, bytes int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m := benchMirror(b, dt)
		r0, b0 := dt.RequestCount(), dt.BytesServed()
		b.StartTimer()
		if err := m.Backfill(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		reqs += dt.RequestCount() - r0
		bytes += dt.BytesServed() - b0
		if got, err := m.Store.CountStatements(ctx); err != nil || got != n {
			b.Fatalf("backfilled %d of %d statements (%v)", got, n, err)
		}
		m.Store.Close()
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "statements/s")
	b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
}

// BenchmarkIdlePoll: one incremental poll of the mirror when nothing
// happened, with 10 and with 10,000 statements on record (after the silent
// backfill). An idle poll must stay one small request whatever the length
// of the history (issue 3 point 2): requests/op and bytes/op are the
// Datatracker traffic per poll.
func BenchmarkIdlePoll(b *testing.B) {
	for _, n := range []int{10, benchSize(b, "LIAISONBOT_BENCH_IDLE_LARGE", 10000)} {
		b.Run("statements="+strconv.Itoa(n), func(b *testing.B) {
			dt := dtfake.New()
			dt.Generate(n, 1)
			dt.Start()
			b.Cleanup(dt.Close)
			m := benchMirror(b, dt)
			ctx := context.Background()
			if _, err := m.Poll(ctx); err != nil { // the first poll backfills
				b.Fatal(err)
			}
			if got, err := m.Store.CountStatements(ctx); err != nil || got != n {
				b.Fatalf("backfilled %d of %d statements (%v)", got, n, err)
			}
			r0, b0 := dt.RequestCount(), dt.BytesServed()
			polls := 0
			b.ResetTimer()
			for b.Loop() {
				if k, err := m.Poll(ctx); err != nil || k != 0 {
					b.Fatalf("idle poll announced %d: %v", k, err)
				}
				polls++
			}
			b.ReportMetric(float64(dt.RequestCount()-r0)/float64(polls), "requests/op")
			b.ReportMetric(float64(dt.BytesServed()-b0)/float64(polls), "bytes/op")
		})
	}
}
