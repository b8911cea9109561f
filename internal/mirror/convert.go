package mirror

import (
	"context"
	"errors"
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

// storeAttachment records an attachment with its document's title and
// file link (one request). A document the Datatracker answers 404 for is
// recorded without them (the statement page still links to it); any other
// failure is returned, so the statement is fetched again later.
func (m *Mirror) storeAttachment(ctx context.Context, a datatracker.Attachment) (store.Attachment, error) {
	out := store.Attachment{ID: a.ID, StatementID: a.StatementID, Document: a.Document, Removed: a.Removed}
	d, err := m.DT.Document(ctx, a.Document)
	switch {
	case err == nil:
		out.Title = d.Title
		out.URL = attachmentURL(d)
	case errors.Is(err, datatracker.ErrNotFound):
		m.Log.Warn().Err(err).Str("document", a.Document).Msg("the Datatracker has no document for an attachment; recording it without title")
	default:
		return out, err
	}
	return out, nil
}

// documentTitles fills the titles and links of attachments from their
// documents, fetched in bulk (name__in=, as many names per request as
// keep the URL well under common 8 KiB limits); the backfill's equivalent of storeAttachment.
func (m *Mirror) documentTitles(ctx context.Context, atts []store.Attachment) error {
	const chunk = 25 // attachment names run to ~120 characters; keep URLs short
	byName := map[string]datatracker.Document{}
	var names []string
	seen := map[string]bool{}
	for _, a := range atts {
		n := strings.ToLower(strings.TrimSpace(a.Document))
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for i := 0; i < len(names); i += chunk {
		q := url.Values{}
		q.Set("name__in", joinComma(names[i:min(i+chunk, len(names))]))
		q.Set("limit", strconv.Itoa(chunk))
		err := m.DT.Documents(ctx, q, func(ds []datatracker.Document) error {
			for _, d := range ds {
				byName[strings.ToLower(d.Name)] = d
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range atts {
		if d, ok := byName[strings.ToLower(strings.TrimSpace(atts[i].Document))]; ok {
			atts[i].Title = d.Title
			atts[i].URL = attachmentURL(d)
		}
	}
	return nil
}

func deadlineOf(s datatracker.Statement) *time.Time { return s.DeadlineDate }

func attachmentURL(d datatracker.Document) string { return d.AttachmentURL() }
