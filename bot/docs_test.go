package bot

import (
	"context"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// The §4.3 lookups answer from the Datatracker once per document and
// then from the cache: a draft is shown, edited and submitted many times.
func TestDocLookupAsksOnce(t *testing.T) {
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	l := newDocLookup(dt.Client(), testenv.Store(t))
	ref := rules.ExtractDocRefs("see RFC 8795")[0]
	ctx := context.Background()
	first, err := l.LookupDoc(ctx, ref)
	if err != nil || !first.Found || first.StdLevel == "" {
		t.Fatalf("first lookup: %+v %v", first, err)
	}
	n := dt.RequestCount()
	for range 3 {
		again, err := l.LookupDoc(ctx, ref)
		if err != nil || again != first {
			t.Fatalf("cached lookup: %+v %v", again, err)
		}
	}
	if dt.RequestCount() != n {
		t.Errorf("%d more Datatracker requests for the same document", dt.RequestCount()-n)
	}
}
