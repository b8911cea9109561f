package datatracker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Statement is a liaison statement (/api/v1/liaisons/liaisonstatement/).
// The API has no date fields for statements: submitted and posted times come
// from its events (NOTES §1.1).
type Statement struct {
	ID         int64
	Title      string
	FromGroups []int64 // group ids
	// FromContact is a mailbox ("Jane Doe <jdoe@example.org>"), a bare
	// address (old e-mail-URI shape) or "".
	FromContact          string
	ToGroups             []int64
	ToContacts           string // comma-separated mailboxes, as entered
	ResponseContacts     string
	TechnicalContacts    string
	ActionHolderContacts string
	CCContacts           string
	Purpose              string // action, comment (retired), info, response
	// Deadline is the date as the API gives it ("2025-09-30"), "" for none.
	Deadline string
	// DeadlineDate is Deadline at 00:00 UTC, nil for none. The Datatracker
	// means the date in America/Los_Angeles (NOTES §4).
	DeadlineDate     *time.Time
	OtherIdentifiers string
	Body             string // CRLF line ends as entered in the web form
	Tags             []string
	// Attachments are document names, including removed attachments (the
	// M2M list keeps them; see Attachment.Removed).
	Attachments []string
	State       string // pending, approved, posted, dead
	// Raw is the object exactly as received.
	Raw json.RawMessage
}

// Event is a liaison statement event (/api/v1/liaisons/liaisonstatementevent/).
type Event struct {
	ID          int64
	StatementID int64
	Type        string // submitted, modified, approved, posted, killed, resurrected, comment, private_comment, resent, ...
	Time        time.Time
	By          int64 // person id, 0 if null
	Desc        string
}

// Related is a relation between two statements
// (/api/v1/liaisons/relatedliaisonstatement/): Source refers to Target,
// e.g. a reply (source) to the statement it answers (target).
type Related struct {
	ID           int64
	Source       int64
	Target       int64
	Relationship string // docrelationshipname slug, "refold" from the web form
}

// Attachment links a statement to a document of type liai-att
// (/api/v1/liaisons/liaisonstatementattachment/).
type Attachment struct {
	ID          int64
	StatementID int64
	Document    string // document name
	Removed     bool
}

// Group is a Datatracker group (/api/v1/group/group/).
type Group struct {
	ID        int64
	Acronym   string
	Name      string
	Type      string // wg, area, ietf, sdo, rg, individ, ...
	State     string // active, bof, proposed, conclude, ...
	ParentID  int64  // 0 if none; a WG's area, an SDO sub-group's SDO
	ListEmail string
}

// Role is a role held by a person in a group (/api/v1/group/role/).
type Role struct {
	ID       int64
	Name     string // chair, secr, ad, liaiman, liaison_coordinator, ...
	GroupID  int64
	PersonID int64
	// Email is the role-specific address: use it, not the person's primary
	// address, for notifications (NOTES §2.2).
	Email string
}

// Person is a Datatracker person (/api/v1/person/person/).
type Person struct {
	ID    int64
	Name  string
	Plain string // plain-name correction, often ""
	ASCII string
}

// DisplayName is Plain if set, else Name (NOTES §2.2).
func (p Person) DisplayName() string {
	if p.Plain != "" {
		return p.Plain
	}
	return p.Name
}

// Document is a Datatracker document (/api/v1/doc/document/<name>/): a
// draft, an RFC (since 2023 RFCs are their own documents named "rfc9110"
// with type "rfc"), a liaison attachment (type "liai-att"), ...
type Document struct {
	ID    int64
	Name  string
	Title string
	Type  string // draft, rfc, liai-att, charter, ...
	Rev   string // drafts: "07"; "" for RFCs and attachments
	// GroupID is the group the document belongs to: the WG for WG drafts and
	// the RFCs they became, GroupNone (acronym "none") for individual
	// drafts, 0 if null (e.g. liaison attachments).
	GroupID          int64
	Stream           string // ietf, irtf, iab, ise, editorial, legacy; "" if null
	StdLevel         string // std, ds, ps, bcp, inf, exp, hist, unkn; set on RFCs
	IntendedStdLevel string // on drafts: the level sought (same slugs)
	RFCNumber        int64  // type rfc only
	// States are doc/state ids (the API gives URIs of numeric states, not
	// slugs); see DraftPublished.
	States []int64
	// UploadedFilename is the stored file name of uploaded documents such
	// as liaison attachments; see AttachmentURL.
	UploadedFilename string
	ExternalURL      string
	Raw              json.RawMessage
}

// GroupNone is the id of the Datatracker's "none" group (type individ), to
// which individual drafts belong (verified in ietfdata's live-API tests).
const GroupNone int64 = 1027

// StateDraftRFC is the doc/state id of the draft state "rfc" (RFC
// published): a draft carrying it became an RFC. Seen in ietfdata's
// live-API assertion for draft-ietf-avt-rtp-new (states 3 and 7). Which RFC
// it became is told by the relateddocument relation became_rfc
// (Client.BecameRFC).
const StateDraftRFC int64 = 3

// DraftPublished reports whether a draft is in the draft state "rfc".
func (d Document) DraftPublished() bool {
	if d.Type != "draft" {
		return false
	}
	for _, s := range d.States {
		if s == StateDraftRFC {
			return true
		}
	}
	return false
}

// StandardsTrack reports whether an RFC's level, or a draft's intended
// level, is on the standards track in the sense of 4053bis §4.3 (Internet,
// Draft or Proposed Standard, or BCP).
func (d Document) StandardsTrack() bool {
	lvl := d.StdLevel
	if d.Type == "draft" && lvl == "" {
		lvl = d.IntendedStdLevel
	}
	switch lvl {
	case "std", "ds", "ps", "bcp":
		return true
	}
	return false
}

// nullString decodes a JSON string or null ("" for null).
type nullString string

func (s *nullString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = nullString(v)
	return nil
}

// flexInt decodes a JSON number, a numeric string or null (0).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*n = 0
			return nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", s)
		}
		*n = flexInt(v)
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = flexInt(v)
	return nil
}

type wireStatement struct {
	ActionHolderContacts nullString      `json:"action_holder_contacts"`
	Attachments          []string        `json:"attachments"`
	Body                 nullString      `json:"body"`
	CCContacts           nullString      `json:"cc_contacts"`
	Deadline             nullString      `json:"deadline"`
	FromContact          json.RawMessage `json:"from_contact"`
	FromGroups           []string        `json:"from_groups"`
	ID                   int64           `json:"id"`
	OtherIdentifiers     nullString      `json:"other_identifiers"`
	Purpose              nullString      `json:"purpose"`
	ResponseContacts     nullString      `json:"response_contacts"`
	State                nullString      `json:"state"`
	Tags                 []string        `json:"tags"`
	TechnicalContacts    nullString      `json:"technical_contacts"`
	Title                nullString      `json:"title"`
	ToContacts           nullString      `json:"to_contacts"`
	ToGroups             []string        `json:"to_groups"`
}

// DecodeStatement decodes one liaisonstatement object.
func DecodeStatement(raw []byte) (Statement, error) {
	var w wireStatement
	if err := json.Unmarshal(raw, &w); err != nil {
		return Statement{}, err
	}
	if w.ID <= 0 {
		return Statement{}, errors.New("liaison statement without id")
	}
	s := Statement{
		ID:                   w.ID,
		Title:                string(w.Title),
		ToContacts:           string(w.ToContacts),
		ResponseContacts:     string(w.ResponseContacts),
		TechnicalContacts:    string(w.TechnicalContacts),
		ActionHolderContacts: string(w.ActionHolderContacts),
		CCContacts:           string(w.CCContacts),
		OtherIdentifiers:     string(w.OtherIdentifiers),
		Body:                 string(w.Body),
		Raw:                  append(json.RawMessage(nil), raw...),
	}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("statement %d: %s: %w", w.ID, field, e) }
	if s.FromGroups, err = refIDs(w.FromGroups, resGroup); err != nil {
		return Statement{}, wrap("from_groups", err)
	}
	if s.ToGroups, err = refIDs(w.ToGroups, resGroup); err != nil {
		return Statement{}, wrap("to_groups", err)
	}
	if s.FromContact, err = fromContact(w.FromContact); err != nil {
		return Statement{}, wrap("from_contact", err)
	}
	if s.Purpose, err = optRefKey(string(w.Purpose), resPurposeName); err != nil {
		return Statement{}, wrap("purpose", err)
	}
	if s.State, err = optRefKey(string(w.State), resStateName); err != nil {
		return Statement{}, wrap("state", err)
	}
	if s.Tags, err = refKeys(w.Tags, resTagName); err != nil {
		return Statement{}, wrap("tags", err)
	}
	if s.Attachments, err = refKeys(w.Attachments, resDocument); err != nil {
		return Statement{}, wrap("attachments", err)
	}
	if w.Deadline != "" {
		d, err := parseDate(string(w.Deadline))
		if err != nil {
			return Statement{}, wrap("deadline", err)
		}
		s.Deadline = d.Format(time.DateOnly)
		s.DeadlineDate = &d
	}
	return s, nil
}

// fromContact normalises both shapes of from_contact to a mailbox string.
func fromContact(raw json.RawMessage) (string, error) {
	var v nullString
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", err
		}
	}
	s := strings.TrimSpace(string(v))
	if strings.Contains(s, apiPath(resEmail)) && !strings.ContainsAny(s, " <>") {
		// The key is an address; spaces escaped around it ("%20a@b")
		// are not part of it, as in the plain-string shape.
		k, err := refKey(s, resEmail)
		return strings.TrimSpace(k), err
	}
	return s, nil
}

// parseDate reads an ISO date ("2025-09-30"); a datetime is cut to its date.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > len(time.DateOnly) && (s[len(time.DateOnly)] == 'T' || s[len(time.DateOnly)] == ' ') {
		s = s[:len(time.DateOnly)]
	}
	return time.ParseInLocation(time.DateOnly, s, time.UTC)
}

// parseTime reads the API's datetimes: RFC 3339 in UTC ("2025-06-02T14:03:51Z")
// since the datatracker went zone-aware, and naive or offset forms in older
// data (naive ones are taken as UTC).
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999-0700", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

type wireEvent struct {
	By        nullString `json:"by"`
	Desc      nullString `json:"desc"`
	ID        int64      `json:"id"`
	Statement nullString `json:"statement"`
	Time      nullString `json:"time"`
	Type      nullString `json:"type"`
}

// DecodeEvent decodes one liaisonstatementevent object.
func DecodeEvent(raw []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(raw, &w); err != nil {
		return Event{}, err
	}
	if w.ID <= 0 {
		return Event{}, errors.New("event without id")
	}
	e := Event{ID: w.ID, Desc: string(w.Desc)}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("event %d: %s: %w", w.ID, field, e) }
	if e.StatementID, err = refID(string(w.Statement), resStatement); err != nil {
		return Event{}, wrap("statement", err)
	}
	if e.Type, err = refKey(string(w.Type), resEventTypeName); err != nil {
		return Event{}, wrap("type", err)
	}
	if e.By, err = optRefID(string(w.By), resPerson); err != nil {
		return Event{}, wrap("by", err)
	}
	if w.Time != "" {
		if e.Time, err = parseTime(string(w.Time)); err != nil {
			return Event{}, wrap("time", err)
		}
	}
	return e, nil
}

type wireRelated struct {
	ID           int64      `json:"id"`
	Relationship nullString `json:"relationship"`
	Source       nullString `json:"source"`
	Target       nullString `json:"target"`
}

// DecodeRelated decodes one relatedliaisonstatement object.
func DecodeRelated(raw []byte) (Related, error) {
	var w wireRelated
	if err := json.Unmarshal(raw, &w); err != nil {
		return Related{}, err
	}
	if w.ID <= 0 {
		return Related{}, errors.New("related statement without id")
	}
	r := Related{ID: w.ID}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("related %d: %s: %w", w.ID, field, e) }
	if r.Source, err = refID(string(w.Source), resStatement); err != nil {
		return Related{}, wrap("source", err)
	}
	if r.Target, err = refID(string(w.Target), resStatement); err != nil {
		return Related{}, wrap("target", err)
	}
	if r.Relationship, err = optRefKey(string(w.Relationship), resRelationName); err != nil {
		return Related{}, wrap("relationship", err)
	}
	return r, nil
}

type wireAttachment struct {
	Document  nullString `json:"document"`
	ID        int64      `json:"id"`
	Removed   bool       `json:"removed"`
	Statement nullString `json:"statement"`
}

// DecodeAttachment decodes one liaisonstatementattachment object.
func DecodeAttachment(raw []byte) (Attachment, error) {
	var w wireAttachment
	if err := json.Unmarshal(raw, &w); err != nil {
		return Attachment{}, err
	}
	if w.ID <= 0 {
		return Attachment{}, errors.New("attachment without id")
	}
	a := Attachment{ID: w.ID, Removed: w.Removed}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("attachment %d: %s: %w", w.ID, field, e) }
	if a.StatementID, err = refID(string(w.Statement), resStatement); err != nil {
		return Attachment{}, wrap("statement", err)
	}
	if a.Document, err = refKey(string(w.Document), resDocument); err != nil {
		return Attachment{}, wrap("document", err)
	}
	return a, nil
}

type wireGroup struct {
	Acronym   nullString `json:"acronym"`
	ID        int64      `json:"id"`
	ListEmail nullString `json:"list_email"`
	Name      nullString `json:"name"`
	Parent    nullString `json:"parent"`
	State     nullString `json:"state"`
	Type      nullString `json:"type"`
}

// DecodeGroup decodes one group object.
func DecodeGroup(raw []byte) (Group, error) {
	var w wireGroup
	if err := json.Unmarshal(raw, &w); err != nil {
		return Group{}, err
	}
	if w.ID <= 0 {
		return Group{}, errors.New("group without id")
	}
	g := Group{ID: w.ID, Acronym: string(w.Acronym), Name: string(w.Name), ListEmail: string(w.ListEmail)}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("group %d: %s: %w", w.ID, field, e) }
	if g.ParentID, err = optRefID(string(w.Parent), resGroup); err != nil {
		return Group{}, wrap("parent", err)
	}
	if g.Type, err = optRefKey(string(w.Type), resGroupTypeName); err != nil {
		return Group{}, wrap("type", err)
	}
	if g.State, err = optRefKey(string(w.State), resGroupStateName); err != nil {
		return Group{}, wrap("state", err)
	}
	return g, nil
}

type wireRole struct {
	Email  nullString `json:"email"`
	Group  nullString `json:"group"`
	ID     int64      `json:"id"`
	Name   nullString `json:"name"`
	Person nullString `json:"person"`
}

// DecodeRole decodes one role object.
func DecodeRole(raw []byte) (Role, error) {
	var w wireRole
	if err := json.Unmarshal(raw, &w); err != nil {
		return Role{}, err
	}
	if w.ID <= 0 {
		return Role{}, errors.New("role without id")
	}
	r := Role{ID: w.ID}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("role %d: %s: %w", w.ID, field, e) }
	if r.Name, err = refKey(string(w.Name), resRoleName); err != nil {
		return Role{}, wrap("name", err)
	}
	if r.GroupID, err = refID(string(w.Group), resGroup); err != nil {
		return Role{}, wrap("group", err)
	}
	if r.PersonID, err = refID(string(w.Person), resPerson); err != nil {
		return Role{}, wrap("person", err)
	}
	if r.Email, err = optRefKey(string(w.Email), resEmail); err != nil {
		return Role{}, wrap("email", err)
	}
	return r, nil
}

type wirePerson struct {
	ASCII nullString `json:"ascii"`
	ID    int64      `json:"id"`
	Name  nullString `json:"name"`
	Plain nullString `json:"plain"`
}

// DecodePerson decodes one person object.
func DecodePerson(raw []byte) (Person, error) {
	var w wirePerson
	if err := json.Unmarshal(raw, &w); err != nil {
		return Person{}, err
	}
	if w.ID <= 0 {
		return Person{}, errors.New("person without id")
	}
	return Person{ID: w.ID, Name: string(w.Name), Plain: string(w.Plain), ASCII: string(w.ASCII)}, nil
}

type wireDocument struct {
	ExternalURL      nullString `json:"external_url"`
	Group            nullString `json:"group"`
	ID               int64      `json:"id"`
	IntendedStdLevel nullString `json:"intended_std_level"`
	Name             nullString `json:"name"`
	Rev              nullString `json:"rev"`
	RFC              flexInt    `json:"rfc"`
	RFCNumber        flexInt    `json:"rfc_number"`
	States           []string   `json:"states"`
	StdLevel         nullString `json:"std_level"`
	Stream           nullString `json:"stream"`
	Title            nullString `json:"title"`
	Type             nullString `json:"type"`
	UploadedFilename nullString `json:"uploaded_filename"`
}

// DecodeDocument decodes one document object.
func DecodeDocument(raw []byte) (Document, error) {
	var w wireDocument
	if err := json.Unmarshal(raw, &w); err != nil {
		return Document{}, err
	}
	if w.Name == "" {
		return Document{}, errors.New("document without name")
	}
	d := Document{
		ID: w.ID, Name: string(w.Name), Title: string(w.Title), Rev: string(w.Rev),
		RFCNumber:        int64(w.RFCNumber),
		UploadedFilename: string(w.UploadedFilename), ExternalURL: string(w.ExternalURL),
		Raw: append(json.RawMessage(nil), raw...),
	}
	if d.RFCNumber == 0 {
		d.RFCNumber = int64(w.RFC)
	}
	var err error
	wrap := func(field string, e error) error { return fmt.Errorf("document %s: %s: %w", w.Name, field, e) }
	if d.Type, err = optRefKey(string(w.Type), resDocTypeName); err != nil {
		return Document{}, wrap("type", err)
	}
	if d.GroupID, err = optRefID(string(w.Group), resGroup); err != nil {
		return Document{}, wrap("group", err)
	}
	if d.Stream, err = optRefKey(string(w.Stream), resStreamName); err != nil {
		return Document{}, wrap("stream", err)
	}
	if d.StdLevel, err = optRefKey(string(w.StdLevel), resStdLevelName); err != nil {
		return Document{}, wrap("std_level", err)
	}
	if d.IntendedStdLevel, err = optRefKey(string(w.IntendedStdLevel), resIntendedName); err != nil {
		return Document{}, wrap("intended_std_level", err)
	}
	if d.States, err = refIDs(w.States, resState); err != nil {
		return Document{}, wrap("states", err)
	}
	return d, nil
}

type wireRelatedDoc struct {
	ID           int64      `json:"id"`
	Relationship nullString `json:"relationship"`
	Source       nullString `json:"source"`
	Target       nullString `json:"target"`
}

// DocRelation is a relateddocument object: Source relates to Target, e.g.
// draft-ietf-httpbis-semantics became_rfc rfc9110.
type DocRelation struct {
	ID           int64
	Source       string // document name
	Target       string
	Relationship string // became_rfc, replaces, obs, updates, ...
}

func decodeDocRelation(raw []byte) (DocRelation, error) {
	var w wireRelatedDoc
	if err := json.Unmarshal(raw, &w); err != nil {
		return DocRelation{}, err
	}
	r := DocRelation{ID: w.ID}
	var err error
	if r.Source, err = refKey(string(w.Source), resDocument); err != nil {
		return DocRelation{}, fmt.Errorf("relateddocument %d: source: %w", w.ID, err)
	}
	if r.Target, err = refKey(string(w.Target), resDocument); err != nil {
		return DocRelation{}, fmt.Errorf("relateddocument %d: target: %w", w.ID, err)
	}
	if r.Relationship, err = optRefKey(string(w.Relationship), resRelationName); err != nil {
		return DocRelation{}, fmt.Errorf("relateddocument %d: relationship: %w", w.ID, err)
	}
	return r, nil
}
