package mirror

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

func query(key string, v int64) url.Values {
	q := url.Values{}
	q.Set(key, strconv.FormatInt(v, 10))
	return q
}

func joinComma(ss []string) string { return strings.Join(ss, ",") }

func storeStatement(s datatracker.Statement) *store.Statement {
	return &store.Statement{
		ID:                   s.ID,
		Title:                s.Title,
		FromGroups:           s.FromGroups,
		ToGroups:             s.ToGroups,
		FromContact:          s.FromContact,
		ToContacts:           s.ToContacts,
		ResponseContacts:     s.ResponseContacts,
		TechnicalContacts:    s.TechnicalContacts,
		ActionHolderContacts: s.ActionHolderContacts,
		CCContacts:           s.CCContacts,
		Purpose:              s.Purpose,
		Deadline:             deadlineOf(s),
		OtherIdentifiers:     s.OtherIdentifiers,
		Body:                 s.Body,
		Tags:                 s.Tags,
		State:                s.State,
		Raw:                  s.Raw,
	}
}

func storeEvent(e datatracker.Event) store.StatementEvent {
	return store.StatementEvent{ID: e.ID, StatementID: e.StatementID, Type: e.Type, Time: e.Time, By: e.By, Description: e.Desc}
}

// stampEvent derives the statement's dates from its events, as the
// Datatracker does (the statement itself has no date fields).
func stampEvent(s *store.Statement, e store.StatementEvent) {
	t := e.Time
	switch e.Type {
	case "submitted":
		if s.SubmittedAt == nil || t.After(*s.SubmittedAt) {
			s.SubmittedAt = &t
		}
	case "posted":
		if s.PostedAt == nil || t.After(*s.PostedAt) {
			s.PostedAt = &t
		}
	}
}

func storeGroup(g datatracker.Group) store.Group {
	return store.Group{ID: g.ID, Acronym: g.Acronym, Name: g.Name, Type: g.Type, State: g.State, ParentID: g.ParentID}
}

// storeAttachment records an attachment; with lookup, its document is
// fetched for the title and file link (one request; skipped in the bulk
// backfill, where the statement page links to it).
func (m *Mirror) storeAttachment(ctx context.Context, a datatracker.Attachment, lookup bool) store.Attachment {
	out := store.Attachment{ID: a.ID, StatementID: a.StatementID, Document: a.Document, Removed: a.Removed}
	if lookup {
		if d, err := m.DT.Document(ctx, a.Document); err == nil {
			out.Title = d.Title
			out.URL = attachmentURL(d)
		} else {
			m.Log.Warn().Err(err).Str("document", a.Document).Msg("attachment document lookup failed")
		}
	}
	return out
}

func deadlineOf(s datatracker.Statement) *time.Time { return s.DeadlineDate }

func attachmentURL(d datatracker.Document) string { return d.AttachmentURL() }
