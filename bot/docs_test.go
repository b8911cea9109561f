package bot

import (
	"context"
	"testing"
	"time"

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

// The cache stays bounded: a full cache first drops expired answers, and
// when none have expired, starts over.
func TestDocCacheBounded(t *testing.T) {
	l := &docLookup{cache: map[string]cachedDoc{}, max: 3}
	now := time.Now()
	l.store("old", rules.DocInfo{}, now.Add(-2*docTTL))
	l.store("a", rules.DocInfo{}, now)
	l.store("b", rules.DocInfo{}, now)
	l.store("c", rules.DocInfo{}, now) // full: "old" has expired
	if _, ok := l.cache["old"]; ok || len(l.cache) != 3 {
		t.Fatalf("expired answer kept or fresh one lost: %v", l.cache)
	}
	l.store("d", rules.DocInfo{}, now) // full, nothing expired
	if len(l.cache) != 1 {
		t.Errorf("cache holds %d answers, want only the newest", len(l.cache))
	}
	if _, ok := l.cache["d"]; !ok {
		t.Errorf("the newest answer was not kept")
	}
}
