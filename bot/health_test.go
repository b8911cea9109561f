package bot

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestReadyzPollStalenessAsTheREADMESays: /readyz's Datatracker check
// turns unready when the last successful poll is older than three poll
// intervals, and never sooner than two minutes — what the README tells
// operators.
func TestReadyzPollStalenessAsTheREADMESays(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if r := strings.Join(strings.Fields(string(readme)), " "); !strings.Contains(r,
		"a successful Datatracker poll within three poll intervals, and never less than two minutes") {
		t.Fatal("the README no longer says what /readyz checks about poll staleness; update this test and the code together")
	}

	ctx := context.Background()
	st := testenv.Store(t)
	last := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := st.Heartbeat(ctx, heartbeatPoll, last); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		interval time.Duration
		age      time.Duration
		ready    bool
	}{
		{time.Minute, 179 * time.Second, true},
		{time.Minute, 181 * time.Second, false}, // more than three intervals
		{10 * time.Second, 35 * time.Second, true},
		{10 * time.Second, 119 * time.Second, true}, // three intervals passed, but not two minutes
		{10 * time.Second, 121 * time.Second, false},
	}
	for _, tt := range tests {
		now := last.Add(tt.age)
		b := &Bot{Config: &config.Config{}, Store: st, PollInterval: tt.interval, Now: func() time.Time { return now }}
		var err error
		found := false
		for _, c := range b.readinessChecks() {
			if c.Name == "datatracker" {
				found, err = true, c.Fn(ctx)
			}
		}
		if !found {
			t.Fatal("no datatracker readiness check")
		}
		if (err == nil) != tt.ready {
			t.Errorf("poll every %s, last %s ago: ready = %v (%v), want %v", tt.interval, tt.age, err == nil, err, tt.ready)
		}
	}
}
