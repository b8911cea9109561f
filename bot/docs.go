package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// docLookup answers the §4.3 document questions from the Datatracker: is
// the document known, is it a working-group document, and its stream and
// level. Group types come from the mirror, or the Datatracker when the
// mirror lacks the group. Answers are kept for docTTL: a draft is shown,
// edited and submitted several times, and a document's status changes
// rarely (and the lookups run inside the command's transaction).
type docLookup struct {
	DT    *datatracker.Client
	Store *store.Store
	mu    sync.Mutex
	cache map[string]cachedDoc
	max   int // entries kept at most (docCacheMax)
}

type cachedDoc struct {
	info rules.DocInfo
	at   time.Time
}

const (
	docTTL = time.Hour
	// docCacheMax bounds the cache: when it is full, expired answers are
	// dropped, and if none are, all of them (they are cheap to ask again).
	docCacheMax = 4096
)

func newDocLookup(dt *datatracker.Client, st *store.Store) *docLookup {
	return &docLookup{DT: dt, Store: st, cache: map[string]cachedDoc{}, max: docCacheMax}
}

func (l *docLookup) LookupDoc(ctx context.Context, ref rules.DocRef) (rules.DocInfo, error) {
	l.mu.Lock()
	c, ok := l.cache[ref.Name]
	l.mu.Unlock()
	if ok && time.Since(c.at) < docTTL {
		return c.info, nil
	}
	info, err := l.lookup(ctx, ref)
	if err != nil {
		return info, err
	}
	l.store(ref.Name, info, time.Now())
	return info, nil
}

func (l *docLookup) store(name string, info rules.DocInfo, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.cache) >= l.max {
		for k, c := range l.cache {
			if now.Sub(c.at) >= docTTL {
				delete(l.cache, k)
			}
		}
		if len(l.cache) >= l.max {
			clear(l.cache)
		}
	}
	l.cache[name] = cachedDoc{info: info, at: now}
}

func (l *docLookup) lookup(ctx context.Context, ref rules.DocRef) (rules.DocInfo, error) {
	info := rules.DocInfo{Name: ref.Name, Kind: ref.Kind}
	doc, err := l.DT.Document(ctx, ref.Name)
	if errors.Is(err, datatracker.ErrNotFound) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	info.Found = true
	info.Stream = doc.Stream
	info.StdLevel = doc.StdLevel
	info.IntendedStdLevel = doc.IntendedStdLevel
	if doc.GroupID != 0 && doc.GroupID != datatracker.GroupNone {
		typ := ""
		if gs, err := l.Store.GroupsByID(ctx, []int64{doc.GroupID}); err == nil {
			if g, ok := gs[doc.GroupID]; ok {
				typ = g.Type
			}
		}
		if typ == "" {
			if g, err := l.DT.Group(ctx, doc.GroupID); err == nil {
				typ = g.Type
			}
		}
		info.WGDocument = typ == "wg"
	}
	return info, nil
}
