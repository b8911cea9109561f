package bot

import (
	"context"
	"errors"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// docLookup answers the §4.3 document questions from the Datatracker: is
// the document known, is it a working-group document, and its stream and
// level. Group types come from the mirror, or the Datatracker when the
// mirror lacks the group.
type docLookup struct {
	DT    *datatracker.Client
	Store *store.Store
}

func (l docLookup) LookupDoc(ctx context.Context, ref rules.DocRef) (rules.DocInfo, error) {
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
