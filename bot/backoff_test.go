package bot

import (
	"testing"
	"time"
)

func TestBackoffDoublesUpToTheLimit(t *testing.T) {
	for _, c := range []struct {
		failures     int
		first, limit time.Duration
		want         time.Duration
	}{
		{1, 2 * time.Second, time.Minute, 2 * time.Second},
		{2, 2 * time.Second, time.Minute, 4 * time.Second},
		{5, 2 * time.Second, time.Minute, 32 * time.Second},
		{6, 2 * time.Second, time.Minute, time.Minute},
		{1000, 2 * time.Second, time.Minute, time.Minute},
		{3, 5 * time.Second, 12 * time.Second, 12 * time.Second},
		{0, time.Second, time.Minute, time.Second},
	} {
		if got := backoff(c.failures, c.first, c.limit); got != c.want {
			t.Errorf("backoff(%d, %s, %s) = %s, want %s", c.failures, c.first, c.limit, got, c.want)
		}
	}
}
