package mirror

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func setup(t *testing.T) (*Mirror, *dtfake.Server) {
	t.Helper()
	st := testenv.Store(t)
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	m := &Mirror{DT: dt.Client(), Store: st, Platform: "matrix", Log: zerolog.New(zerolog.NewTestWriter(t)), Base: dt.URL(), DeadlineZone: "America/Los_Angeles"}
	return m, dt
}

func TestPollAnnouncesNewlyPosted(t *testing.T) {
	m, dt := setup(t)
	ctx := context.Background()
	if _, err := m.Store.AddBinding(ctx, store.Binding{Platform: "matrix", Room: "!wg", Group: "teas", Source: store.SourceConfig}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store.AddBinding(ctx, store.Binding{Platform: "matrix", Room: "!coord", Coordination: true, Source: store.SourceConfig}); err != nil {
		t.Fatal(err)
	}
	n, err := m.Poll(ctx) // backfill
	if err != nil || n != 0 {
		t.Fatalf("first poll: %d %v", n, err)
	}
	if c, _ := m.Store.CountStatements(ctx); c != 3 {
		t.Fatalf("backfilled %d", c)
	}
	id := dt.AddStatement(datatracker.Statement{Title: "new", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
	dt.Post(id)
	before := dt.RequestCount()
	n, err = m.Poll(ctx)
	if err != nil || n != 2 {
		t.Fatalf("poll after posting: announced %d, err %v (requests %v)", n, err, dt.Requests())
	}
	dt.ResetRequests()
	n, err = m.Poll(ctx)
	if err != nil || n != 0 {
		t.Fatalf("idle poll: %d %v", n, err)
	}
	if got := len(dt.Requests()); got != 1 {
		t.Fatalf("an idle poll made %d requests: %v", got, dt.Requests())
	}
	_ = before
}
