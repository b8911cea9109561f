package datatracker

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func TestDecodeStatementListExample(t *testing.T) {
	body := readTestdata(t, "liaisonstatement-list.example.json")
	ss, next, err := decodePage("test", body, DecodeStatement)
	if err != nil {
		t.Fatal(err)
	}
	if next != "/api/v1/liaisons/liaisonstatement/?format=json&state=posted&order_by=-id&limit=3&offset=3" {
		t.Errorf("next = %q", next)
	}
	if len(ss) != 3 {
		t.Fatalf("got %d statements", len(ss))
	}
	s43, s42, s41 := ss[0], ss[1], ss[2]

	if s43.ID != 2043 || s43.Purpose != "response" || s43.State != "posted" {
		t.Errorf("2043: %+v", s43)
	}
	if !reflect.DeepEqual(s43.FromGroups, []int64{1985}) || !reflect.DeepEqual(s43.ToGroups, []int64{62}) {
		t.Errorf("2043 groups: %v -> %v", s43.FromGroups, s43.ToGroups)
	}
	if s43.FromContact != "Maria Lindqvist <maria.lindqvist@example.net>" || s43.ToContacts != "tsbsg15@itu.int" {
		t.Errorf("2043 contacts: %q %q", s43.FromContact, s43.ToContacts)
	}
	if s43.Deadline != "" || s43.DeadlineDate != nil {
		t.Errorf("2043 deadline: %q %v", s43.Deadline, s43.DeadlineDate)
	}
	if s43.OtherIdentifiers != "" { // null
		t.Errorf("2043 other identifiers %q", s43.OtherIdentifiers)
	}
	if len(s43.Tags) != 0 {
		t.Errorf("2043 tags %v", s43.Tags)
	}
	wantAtt := "liaison-2025-09-10-teas-itu-t-sg-15-reply-ls-on-alignment-of-te-topology-yang-models-with-itu-t-transport-models-attachment-1"
	if !reflect.DeepEqual(s43.Attachments, []string{wantAtt}) {
		t.Errorf("2043 attachments %v", s43.Attachments)
	}
	if s43.CCContacts != "Alex Example <ad-one@example.org>,Teas Discussion List <teas@ietf.org>,itu-t-liaison@iab.org" {
		t.Errorf("2043 cc %q", s43.CCContacts)
	}
	if !strings.Contains(s43.Body, "\r\n\r\nTEAS has reviewed") {
		t.Errorf("2043 body lost its CRLF: %q", s43.Body[:80])
	}

	if s42.Purpose != "action" || s42.Deadline != "2025-09-30" {
		t.Errorf("2042: %q %q", s42.Purpose, s42.Deadline)
	}
	if s42.DeadlineDate == nil || !s42.DeadlineDate.Equal(time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)) || s42.DeadlineDate.Location() != time.UTC {
		t.Errorf("2042 deadline date %v", s42.DeadlineDate)
	}
	if !reflect.DeepEqual(s42.Tags, []string{"required"}) || s42.OtherIdentifiers != "SG15-LS289" {
		t.Errorf("2042 tags %v other %q", s42.Tags, s42.OtherIdentifiers)
	}
	if s42.ActionHolderContacts != "TEAS Chairs <teas-chairs@ietf.org>" || s42.TechnicalContacts != "Kenji Morita <k.morita@example.jp>" {
		t.Errorf("2042 contacts %q %q", s42.ActionHolderContacts, s42.TechnicalContacts)
	}

	if s41.Purpose != "info" || s41.TechnicalContacts != "" || len(s41.Attachments) != 0 || s41.OtherIdentifiers != "S3-251234" {
		t.Errorf("2041: %+v", s41)
	}
	if s41.ResponseContacts != "3GPP SA3 Secretary <sa3-secretary@example.com>" {
		t.Errorf("2041 response contacts %q", s41.ResponseContacts)
	}

	// Raw is the object as received.
	var env struct{ Objects []json.RawMessage }
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	for i, s := range ss {
		if !jsonEqual(t, s.Raw, env.Objects[i]) {
			t.Errorf("statement %d: Raw differs from the object", s.ID)
		}
	}
}

func TestFromContactShapes(t *testing.T) {
	for _, tc := range []struct {
		name, field, want string
	}{
		{"mailbox", `"Jane Doe <jdoe@example.org>"`, "Jane Doe <jdoe@example.org>"},
		{"bare address", `"chair@ietf.org"`, "chair@ietf.org"},
		{"empty string", `""`, ""},
		{"null", `null`, ""},
		{"email URI", `"/api/v1/person/email/jdoe@example.org/"`, "jdoe@example.org"},
		{"escaped email URI", `"/api/v1/person/email/j%2Bdoe@example.org/"`, "j+doe@example.org"},
		{"absolute email URI", `"https://datatracker.ietf.org/api/v1/person/email/jdoe@example.org/"`, "jdoe@example.org"},
		{"absent", ``, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := `{"id": 7, "title": "x", "from_groups": [], "to_groups": []`
			if tc.field != "" {
				obj += `, "from_contact": ` + tc.field
			}
			obj += `}`
			s, err := DecodeStatement([]byte(obj))
			if err != nil {
				t.Fatal(err)
			}
			if s.FromContact != tc.want {
				t.Errorf("FromContact = %q, want %q", s.FromContact, tc.want)
			}
		})
	}
	if _, err := DecodeStatement([]byte(`{"id": 7, "from_contact": 12}`)); err == nil {
		t.Error("a number as from_contact decoded")
	}
}

func TestNullableTextAndBadShapes(t *testing.T) {
	for _, v := range []string{`null`, `""`} {
		s, err := DecodeStatement([]byte(`{"id": 1, "other_identifiers": ` + v + `, "body": ` + v + `, "technical_contacts": ` + v + `, "deadline": ` + v + `}`))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if s.OtherIdentifiers != "" || s.Body != "" || s.TechnicalContacts != "" || s.Deadline != "" || s.DeadlineDate != nil {
			t.Errorf("%s: %+v", v, s)
		}
	}
	for name, obj := range map[string]string{
		"no id":         `{"title": "x"}`,
		"group slug":    `{"id": 1, "from_groups": ["/api/v1/group/group/teas/"]}`,
		"wrong res":     `{"id": 1, "to_groups": ["/api/v1/person/person/3/"]}`,
		"state type":    `{"id": 1, "state": 3}`,
		"bad deadline":  `{"id": 1, "deadline": "30/09/2025"}`,
		"purpose URI":   `{"id": 1, "purpose": "/api/v1/name/liaisonstatementstate/posted/"}`,
		"tags not list": `{"id": 1, "tags": "required"}`,
	} {
		if _, err := DecodeStatement([]byte(obj)); err == nil {
			t.Errorf("%s: decoded %s", name, obj)
		}
	}
	// A datetime deadline is cut to its date.
	s, err := DecodeStatement([]byte(`{"id": 1, "deadline": "2025-07-15T00:00:00"}`))
	if err != nil || s.Deadline != "2025-07-15" {
		t.Errorf("datetime deadline: %q %v", s.Deadline, err)
	}
}

func TestDecodeEvent(t *testing.T) {
	// The event shape of NOTES §2.1.
	e, err := DecodeEvent([]byte(`{"by":"/api/v1/person/person/123/","desc":"Statement Posted","id":98765,"resource_uri":"/api/v1/liaisons/liaisonstatementevent/98765/","statement":"/api/v1/liaisons/liaisonstatement/2041/","time":"2025-06-02T14:03:51Z","type":"/api/v1/name/liaisonstatementeventtypename/posted/"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Event{ID: 98765, StatementID: 2041, Type: "posted", Time: time.Date(2025, 6, 2, 14, 3, 51, 0, time.UTC), By: 123, Desc: "Statement Posted"}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("got %+v\nwant %+v", e, want)
	}
	// Older zone-less and offset times, a null by.
	for in, want := range map[string]time.Time{
		"2012-06-04T08:20:38":       time.Date(2012, 6, 4, 8, 20, 38, 0, time.UTC),
		"2013-07-15T14:47:31-07:00": time.Date(2013, 7, 15, 21, 47, 31, 0, time.UTC),
		"2025-06-02T14:03:51.123Z":  time.Date(2025, 6, 2, 14, 3, 51, 123e6, time.UTC),
	} {
		e, err := DecodeEvent([]byte(`{"by":null,"desc":"","id":1,"statement":"/api/v1/liaisons/liaisonstatement/1/","time":"` + in + `","type":"/api/v1/name/liaisonstatementeventtypename/submitted/"}`))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !e.Time.Equal(want) || e.By != 0 {
			t.Errorf("%s: %v by %d", in, e.Time, e.By)
		}
	}
}

func TestDecodeRelatedAndAttachment(t *testing.T) {
	// From NOTES §6 and §2.1.
	r, err := DecodeRelated([]byte(`{"id": 1210, "relationship": "/api/v1/name/docrelationshipname/refold/", "resource_uri": "/api/v1/liaisons/relatedliaisonstatement/1210/", "source": "/api/v1/liaisons/liaisonstatement/2043/", "target": "/api/v1/liaisons/liaisonstatement/2042/"}`))
	if err != nil || r != (Related{ID: 1210, Source: 2043, Target: 2042, Relationship: "refold"}) {
		t.Errorf("related %+v %v", r, err)
	}
	a, err := DecodeAttachment([]byte(`{"document": "/api/v1/doc/document/liaison-2025-06-02-itu-t-sg-15-ccamp-ls-on-x-attachment-1/", "id": 3100, "removed": false, "resource_uri": "/api/v1/liaisons/liaisonstatementattachment/3100/", "statement": "/api/v1/liaisons/liaisonstatement/2042/"}`))
	if err != nil || a != (Attachment{ID: 3100, StatementID: 2042, Document: "liaison-2025-06-02-itu-t-sg-15-ccamp-ls-on-x-attachment-1"}) {
		t.Errorf("attachment %+v %v", a, err)
	}
}

func TestDecodeRolesExample(t *testing.T) {
	var ex struct {
		Responses []struct {
			Request  string
			Response json.RawMessage
		}
	}
	if err := json.Unmarshal(readTestdata(t, "roles.example.json"), &ex); err != nil {
		t.Fatal(err)
	}
	byReq := map[string]json.RawMessage{}
	for _, r := range ex.Responses {
		byReq[r.Request] = r.Response
	}
	get := func(req string) []byte {
		b, ok := byReq[req]
		if !ok {
			t.Fatalf("no example for %s", req)
		}
		return b
	}

	gs, _, err := decodePage("t", get("GET /api/v1/group/group/?acronym=teas&format=json"), DecodeGroup)
	if err != nil || len(gs) != 1 {
		t.Fatal(gs, err)
	}
	if want := (Group{ID: 1985, Acronym: "teas", Name: "Traffic Engineering Architecture and Signaling", Type: "wg", State: "active", ParentID: 1249, ListEmail: "teas@ietf.org"}); gs[0] != want {
		t.Errorf("teas = %+v", gs[0])
	}
	rtg, err := DecodeGroup(get("GET /api/v1/group/group/1249/?format=json"))
	if err != nil || rtg.Type != "area" || rtg.ParentID != 2 || rtg.Acronym != "rtg" {
		t.Errorf("rtg = %+v %v", rtg, err)
	}
	sg15, err := DecodeGroup(get("GET /api/v1/group/group/62/?format=json"))
	if err != nil || sg15.Type != "sdo" || sg15.ParentID != 51 || sg15.ListEmail != "" {
		t.Errorf("sg15 = %+v %v", sg15, err)
	}

	rs, _, err := decodePage("t", get("GET /api/v1/group/role/?group__acronym=teas&name=chair&format=json"), DecodeRole)
	if err != nil || len(rs) != 2 {
		t.Fatal(rs, err)
	}
	if rs[0] != (Role{ID: 14501, Name: "chair", GroupID: 1985, PersonID: 120001, Email: "maria.lindqvist@example.net"}) {
		t.Errorf("role %+v", rs[0])
	}
	rs, _, err = decodePage("t", get("GET /api/v1/group/role/?group__acronym=itu-t-sg-15&name__in=liaiman,auth&format=json"), DecodeRole)
	if err != nil || len(rs) != 1 || rs[0].Name != "liaiman" || rs[0].GroupID != 62 || rs[0].Email != "sg15-liaison-manager@example.org" {
		t.Errorf("liaiman %+v %v", rs, err)
	}

	p, err := DecodePerson(get("GET /api/v1/person/person/120001/?format=json"))
	if err != nil || p != (Person{ID: 120001, Name: "Maria Lindqvist", ASCII: "Maria Lindqvist"}) || p.DisplayName() != "Maria Lindqvist" {
		t.Errorf("person %+v %v", p, err)
	}
	if got := (Person{Name: "José María García-López", Plain: "José García"}).DisplayName(); got != "José García" {
		t.Errorf("DisplayName with plain = %q", got)
	}
}

// The live document shapes asserted by ietfdata's tests (draft, liaison
// attachment) and an RFC document as a draft became after 2023.
func TestDecodeDocument(t *testing.T) {
	draft := `{"abstract": "", "ad": "/api/v1/person/person/2515/", "expires": "2003-09-08T07:00:12Z", "external_url": "",
		"group": "/api/v1/group/group/941/", "id": 19971, "intended_std_level": "/api/v1/name/intendedstdlevelname/std/",
		"name": "draft-ietf-avt-rtp-new", "note": "", "notify": "", "pages": 104, "resource_uri": "/api/v1/doc/document/draft-ietf-avt-rtp-new/",
		"rev": "12", "rfc": null, "rfc_number": null, "shepherd": null, "states": ["/api/v1/doc/state/3/", "/api/v1/doc/state/7/"],
		"std_level": "/api/v1/name/stdlevelname/std/", "stream": "/api/v1/name/streamname/ietf/", "submissions": [],
		"tags": ["/api/v1/name/doctagname/app-min/"], "time": "2015-10-14T20:49:52Z", "title": "RTP: A Transport Protocol for Real-Time Applications",
		"type": "/api/v1/name/doctypename/draft/", "uploaded_filename": "", "words": 34861}`
	d, err := DecodeDocument([]byte(draft))
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "draft-ietf-avt-rtp-new" || d.Type != "draft" || d.GroupID != 941 || d.Stream != "ietf" || d.IntendedStdLevel != "std" ||
		d.Rev != "12" || d.RFCNumber != 0 || !reflect.DeepEqual(d.States, []int64{3, 7}) {
		t.Errorf("draft %+v", d)
	}
	if !d.DraftPublished() || !d.StandardsTrack() {
		t.Errorf("draft published %v standards track %v", d.DraftPublished(), d.StandardsTrack())
	}

	rfc := `{"abstract": "", "ad": null, "expires": null, "external_url": "", "group": "/api/v1/group/group/1718/", "id": 90001,
		"intended_std_level": null, "name": "rfc9110", "note": "", "notify": "", "pages": 194, "resource_uri": "/api/v1/doc/document/rfc9110/",
		"rev": "", "rfc": "9110", "rfc_number": 9110, "shepherd": null, "states": ["/api/v1/doc/state/176/"], "std_level": "/api/v1/name/stdlevelname/std/",
		"stream": "/api/v1/name/streamname/ietf/", "submissions": [], "tags": [], "time": "2022-06-06T00:00:00Z", "title": "HTTP Semantics",
		"type": "/api/v1/name/doctypename/rfc/", "uploaded_filename": "", "words": null}`
	d, err = DecodeDocument([]byte(rfc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != "rfc" || d.RFCNumber != 9110 || d.StdLevel != "std" || d.DraftPublished() || !d.StandardsTrack() || d.GroupID != 1718 {
		t.Errorf("rfc %+v", d)
	}
	// Only the "rfc" CharField: still the number.
	d, err = DecodeDocument([]byte(`{"name": "rfc6824", "rfc": "6824", "type": "/api/v1/name/doctypename/rfc/", "std_level": "/api/v1/name/stdlevelname/exp/"}`))
	if err != nil || d.RFCNumber != 6824 || d.StandardsTrack() {
		t.Errorf("rfc6824 %+v %v", d, err)
	}

	att := `{"abstract": "", "ad": null, "expires": null, "external_url": "", "group": null, "id": 43519, "intended_std_level": null,
		"name": "liaison-2004-08-23-itu-t-ietf-liaison-statement-to-ietf-and-itu-t-study-groups-countering-spam-pdf-version-attachment-1",
		"note": "", "notify": "", "pages": null, "rev": "", "rfc": null, "shepherd": null, "states": [], "std_level": null, "stream": null,
		"submissions": [], "tags": [], "time": "2004-08-23T07:00:00Z",
		"title": "Liaison Statement to IETF and ITU-T Study Groups: Countering SPAM (PDF version)", "type": "/api/v1/name/doctypename/liai-att/",
		"uploaded_filename": "file39.pdf", "words": null}`
	d, err = DecodeDocument([]byte(att))
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != "liai-att" || d.GroupID != 0 || d.UploadedFilename != "file39.pdf" {
		t.Errorf("attachment doc %+v", d)
	}
	if got := d.AttachmentURL(); got != "https://www.ietf.org/lib/dt/documents/LIAISON/file39.pdf" {
		t.Errorf("AttachmentURL = %q", got)
	}
	// The individual-draft rule of 4053bis §4.3 needs the group: "none".
	d, err = DecodeDocument([]byte(`{"name": "draft-doe-x", "type": "/api/v1/name/doctypename/draft/", "group": "/api/v1/group/group/1027/", "states": ["/api/v1/doc/state/1/"]}`))
	if err != nil || d.GroupID != GroupNone || d.DraftPublished() || d.StandardsTrack() {
		t.Errorf("individual draft %+v %v", d, err)
	}
}

func TestRefKey(t *testing.T) {
	for _, tc := range []struct{ uri, res, want string }{
		{"/api/v1/group/group/1985/", "group/group", "1985"},
		{"/api/v1/group/group/1985", "group/group", "1985"},
		{"https://datatracker.ietf.org/api/v1/name/rolename/liaiman/", "name/rolename", "liaiman"},
		{"/dt/api/v1/doc/document/rfc9110/", "doc/document", "rfc9110"},
		{"/api/v1/person/email/a%40b.example/", "person/email", "a@b.example"},
	} {
		got, err := refKey(tc.uri, tc.res)
		if err != nil || got != tc.want {
			t.Errorf("refKey(%q) = %q, %v", tc.uri, got, err)
		}
	}
	for _, bad := range []string{"", "/api/v1/group/group/", "/api/v1/group/role/3/", "/api/v1/group/group/1/2/", "https://x"} {
		if _, err := refKey(bad, "group/group"); err == nil {
			t.Errorf("refKey(%q) accepted", bad)
		}
	}
	if _, err := refID("/api/v1/group/group/-3/", "group/group"); err == nil {
		t.Error("negative id accepted")
	}
}

func TestLinks(t *testing.T) {
	if got := StatementURL("https://datatracker.ietf.org/", 2043); got != "https://datatracker.ietf.org/liaison/2043/" {
		t.Errorf("StatementURL = %q", got)
	}
	if got := StatementURL("", 7); got != "https://datatracker.ietf.org/liaison/7/" {
		t.Errorf("StatementURL default = %q", got)
	}
	if got := DocumentURL("http://127.0.0.1:8000", "rfc9110"); got != "http://127.0.0.1:8000/doc/rfc9110/" {
		t.Errorf("DocumentURL = %q", got)
	}
	if got := AttachmentFileURL("SG15 LS 289.pdf"); got != LiaisonAttachURL+"SG15%20LS%20289.pdf" {
		t.Errorf("AttachmentFileURL = %q", got)
	}
	if got := (Document{ExternalURL: "javascript:alert(1)"}).AttachmentURL(); got != "" {
		t.Errorf("non-http external URL used: %q", got)
	}
	if got := (Document{ExternalURL: "https://example.org/x.pdf"}).AttachmentURL(); got != "https://example.org/x.pdf" {
		t.Errorf("external URL = %q", got)
	}
	if RFCDocName(9110) != "rfc9110" {
		t.Error(RFCDocName(9110))
	}
}
