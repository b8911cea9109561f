package dtfake

import (
	"strconv"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// Objects are rendered as maps: encoding/json sorts map keys, as tastypie's
// serializer does (sort_keys=True). Foreign keys are resource URIs.

func uri(resource string, key any) string { return datatracker.ResourceURI(resource, key) }

func optURI(resource string, key string) any {
	if key == "" {
		return nil
	}
	return uri(resource, key)
}

func optIDURI(resource string, id int64) any {
	if id == 0 {
		return nil
	}
	return uri(resource, id)
}

func idURIs(resource string, ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, uri(resource, id))
	}
	return out
}

func keyURIs(resource string, keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, uri(resource, k))
	}
	return out
}

func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// apiTime formats a datetime as the Datatracker's serializer does: UTC, "Z".
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (r *stmtRec) render(s *Server) map[string]any {
	st := r.Statement
	var fromContact any = st.FromContact
	if s.legacyFromContact {
		fromContact = nil
		if st.FromContact != "" {
			fromContact = uri("person/email", mailboxAddress(st.FromContact))
		}
	}
	var deadline any
	if st.Deadline != "" {
		deadline = st.Deadline
	}
	return map[string]any{
		"action_holder_contacts": st.ActionHolderContacts,
		"attachments":            keyURIs("doc/document", s.m.attachmentNames(st.ID)),
		"body":                   st.Body,
		"cc_contacts":            st.CCContacts,
		"deadline":               deadline,
		"from_contact":           fromContact,
		"from_groups":            idURIs("group/group", st.FromGroups),
		"id":                     st.ID,
		"other_identifiers":      optText(st.OtherIdentifiers),
		"purpose":                optURI("name/liaisonstatementpurposename", st.Purpose),
		"resource_uri":           uri("liaisons/liaisonstatement", st.ID),
		"response_contacts":      st.ResponseContacts,
		"state":                  optURI("name/liaisonstatementstate", st.State),
		"tags":                   keyURIs("name/liaisonstatementtagname", st.Tags),
		"technical_contacts":     st.TechnicalContacts,
		"title":                  st.Title,
		"to_contacts":            st.ToContacts,
		"to_groups":              idURIs("group/group", st.ToGroups),
	}
}

func (r *eventRec) render(*Server) map[string]any {
	e := r.Event
	return map[string]any{
		"by":           optIDURI("person/person", e.By),
		"desc":         e.Desc,
		"id":           e.ID,
		"resource_uri": uri("liaisons/liaisonstatementevent", e.ID),
		"statement":    uri("liaisons/liaisonstatement", e.StatementID),
		"time":         apiTime(e.Time),
		"type":         uri("name/liaisonstatementeventtypename", e.Type),
	}
}

func (r *attRec) render(*Server) map[string]any {
	return map[string]any{
		"document":     uri("doc/document", r.Document),
		"id":           r.ID,
		"removed":      r.Removed,
		"resource_uri": uri("liaisons/liaisonstatementattachment", r.ID),
		"statement":    uri("liaisons/liaisonstatement", r.StatementID),
	}
}

func (r *relRec) render(*Server) map[string]any {
	return map[string]any{
		"id":           r.ID,
		"relationship": uri("name/docrelationshipname", r.Relationship),
		"resource_uri": uri("liaisons/relatedliaisonstatement", r.ID),
		"source":       uri("liaisons/liaisonstatement", r.Source),
		"target":       uri("liaisons/liaisonstatement", r.Target),
	}
}

func (g *groupRec) render(*Server) map[string]any {
	var charter any
	if g.Charter != "" {
		charter = uri("doc/document", g.Charter)
	}
	return map[string]any{
		"acronym":              g.Acronym,
		"ad":                   nil, // the field is gone from the model (NOTES §2.2)
		"charter":              charter,
		"comments":             g.Comments,
		"description":          g.Description,
		"id":                   g.ID,
		"list_archive":         g.ListArchive,
		"list_email":           g.ListEmail,
		"list_subscribe":       g.ListSubscribe,
		"meeting_seen_as_area": false,
		"name":                 g.Name,
		"parent":               optIDURI("group/group", g.ParentID),
		"resource_uri":         uri("group/group", g.ID),
		"state":                optURI("name/groupstatename", g.State),
		"time":                 apiTime(g.Time),
		"type":                 optURI("name/grouptypename", g.Type),
		"unused_states":        []string{},
		"unused_tags":          []string{},
		"used_roles":           "[]", // a JSONField serialised as a string
		"uses_milestone_dates": true,
	}
}

func (r *roleRec) render(*Server) map[string]any {
	return map[string]any{
		"email":        optURI("person/email", r.Email),
		"group":        uri("group/group", r.GroupID),
		"id":           r.ID,
		"name":         uri("name/rolename", r.Name),
		"person":       uri("person/person", r.PersonID),
		"resource_uri": uri("group/role", r.ID),
	}
}

func (p *personRec) render(*Server) map[string]any {
	return map[string]any{
		"ascii":               p.ASCII,
		"ascii_short":         nil,
		"biography":           "",
		"id":                  p.ID,
		"name":                p.Name,
		"name_from_draft":     p.Name,
		"photo":               nil,
		"photo_thumb":         nil,
		"plain":               p.Plain,
		"pronouns_freetext":   nil,
		"pronouns_selectable": "[]",
		"resource_uri":        uri("person/person", p.ID),
		"time":                apiTime(p.Time),
		"user":                "",
	}
}

func (e *emailRec) render(*Server) map[string]any {
	return map[string]any{
		"active":       e.Active,
		"address":      e.Address,
		"origin":       e.Origin,
		"person":       optIDURI("person/person", e.PersonID),
		"primary":      e.Primary,
		"resource_uri": uri("person/email", e.Address),
		"time":         apiTime(e.Time),
	}
}

func (d *docRec) render(*Server) map[string]any {
	var rfc, rfcNumber any
	if d.RFCNumber != 0 {
		rfc = strconv.FormatInt(d.RFCNumber, 10)
		rfcNumber = d.RFCNumber
	}
	states := make([]string, 0, len(d.States))
	for _, s := range d.States {
		states = append(states, uri("doc/state", s))
	}
	return map[string]any{
		"abstract":           d.Abstract,
		"ad":                 nil,
		"expires":            nil,
		"external_url":       d.ExternalURL,
		"group":              optIDURI("group/group", d.GroupID),
		"id":                 d.ID,
		"intended_std_level": optURI("name/intendedstdlevelname", d.IntendedStdLevel),
		"name":               d.Name,
		"note":               "",
		"notify":             "",
		"pages":              nil,
		"resource_uri":       uri("doc/document", d.Name),
		"rev":                d.Rev,
		"rfc":                rfc,
		"rfc_number":         rfcNumber,
		"shepherd":           nil,
		"states":             states,
		"std_level":          optURI("name/stdlevelname", d.StdLevel),
		"stream":             optURI("name/streamname", d.Stream),
		"submissions":        []string{},
		"tags":               []string{},
		"time":               apiTime(d.Time),
		"title":              d.Title,
		"type":               optURI("name/doctypename", d.Type),
		"uploaded_filename":  d.UploadedFilename,
		"words":              nil,
	}
}

func (r *docRelRec) render(*Server) map[string]any {
	return map[string]any{
		"id":           r.ID,
		"relationship": uri("name/docrelationshipname", r.Relationship),
		"resource_uri": uri("doc/relateddocument", r.ID),
		"source":       uri("doc/document", r.Source),
		"target":       uri("doc/document", r.Target),
	}
}

// nameRec is a row of a name table (keyed by slug).
type nameRec struct {
	table, slug, name, desc string
	order                   int
}

func (n *nameRec) render(*Server) map[string]any {
	return map[string]any{
		"desc":         n.desc,
		"name":         n.name,
		"order":        n.order,
		"resource_uri": uri("name/"+n.table, n.slug),
		"slug":         n.slug,
		"used":         true,
	}
}

// nameTables are the name tables the fake serves: the liaison ones
// (ietf/name/fixtures/names.json, NOTES §1.3) and the role names the bot
// uses. Other name tables have more fields and are not served.
var nameTables = map[string][]nameRec{
	"liaisonstatementstate": {
		{slug: "pending", name: "Pending", order: 1}, {slug: "approved", name: "Approved", order: 2},
		{slug: "posted", name: "Posted", order: 3}, {slug: "dead", name: "Dead", order: 4},
	},
	"liaisonstatementpurposename": {
		{slug: "action", name: "For action", order: 1}, {slug: "comment", name: "For comment", order: 2},
		{slug: "info", name: "For information", order: 3}, {slug: "response", name: "In response", order: 4},
	},
	"liaisonstatementtagname": {
		{slug: "required", name: "Action Required", order: 1}, {slug: "taken", name: "Action Taken", order: 2},
	},
	"liaisonstatementeventtypename": {
		{slug: "submitted", name: "Submitted"}, {slug: "modified", name: "Modified"},
		{slug: "approved", name: "Approved"}, {slug: "posted", name: "Posted"},
		{slug: "killed", name: "Killed"}, {slug: "resurrected", name: "Resurrected"},
		{slug: "msgin", name: "MsgIn"}, {slug: "msgout", name: "MsgOut"},
		{slug: "comment", name: "Comment"}, {slug: "private_comment", name: "Private Comment"},
		{slug: "resent", name: "Re-sent"},
	},
	"rolename": {
		{slug: "ad", name: "Area Director"}, {slug: "chair", name: "Chair"}, {slug: "secr", name: "Secretary"},
		{slug: "liaiman", name: "Liaison Manager"}, {slug: "liaison_coordinator", name: "Liaison Coordinator"},
	},
}

func init() {
	for t, rows := range nameTables {
		for i := range rows {
			rows[i].table = t
		}
	}
}
