package datatracker

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets feed the decoders what a broken proxy, a changed API or
// a hostile server might send: they must return an error, never panic, and
// what they accept must be well formed. Seed corpora (objects the fake
// Datatracker serves, the documented example, both from_contact shapes)
// are in testdata/fuzz/<FuzzName>/.

func addListSeeds(f *testing.F) {
	for _, s := range []string{
		`{"meta":{"limit":20,"next":null,"offset":0,"previous":null,"total_count":0},"objects":[]}`,
		`{"meta":{},"objects":null}`,
		`{"objects":[{}]}`,
		`<!DOCTYPE html><html><body>502 Bad Gateway</body></html>`,
		`{"meta":{"next":"/api/v1/liaisons/liaisonstatementevent/?limit=1&offset=1"},"objects":[`,
		`[]`, `null`, `"objects"`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeEventList decodes a page of liaisonstatementevent objects as an
// incremental poll receives it.
func FuzzDecodeEventList(f *testing.F) {
	addListSeeds(f)
	f.Add([]byte(`{"meta":{"limit":100,"next":null,"offset":0,"previous":null,"total_count":1},"objects":[{"by":"/api/v1/person/person/1/","desc":"Statement posted","id":17,"resource_uri":"/api/v1/liaisons/liaisonstatementevent/17/","statement":"/api/v1/liaisons/liaisonstatement/2043/","time":"2025-09-10T14:03:51Z","type":"/api/v1/name/liaisonstatementeventtypename/posted/"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, next, err := decodePage("fuzz", body, DecodeEvent)
		if err != nil {
			checkDecodeError(t, body, err)
			return
		}
		for _, e := range evs {
			if e.ID <= 0 || e.StatementID <= 0 || e.Type == "" {
				t.Fatalf("accepted an event without id, statement or type: %+v", e)
			}
			if !e.Time.IsZero() && e.Time.Location() != time.UTC {
				t.Fatalf("event time %v not in UTC", e.Time)
			}
		}
		_ = next
	})
}

// FuzzDecodeStatementList decodes a page of liaisonstatement objects as a
// backfill receives it.
func FuzzDecodeStatementList(f *testing.F) {
	addListSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ss, _, err := decodePage("fuzz", body, DecodeStatement)
		if err != nil {
			checkDecodeError(t, body, err)
			return
		}
		for _, s := range ss {
			checkStatement(t, s)
		}
	})
}

// FuzzDecodeStatement decodes one statement object; what it accepts must
// survive being served again in the API's shape.
func FuzzDecodeStatement(f *testing.F) {
	for _, s := range []string{
		`{"id":1}`,
		`{"id":2,"from_contact":null,"deadline":"2025-09-30T00:00:00","purpose":"/api/v1/name/liaisonstatementpurposename/action/"}`,
		`{"id":3,"from_contact":"/api/v1/person/email/jdoe%40example.org/","from_groups":["https://datatracker.ietf.org/api/v1/group/group/1985/"]}`,
		`{"id":4,"from_contact":"Jane Doe <jdoe@example.org>","tags":["/api/v1/name/liaisonstatementtagname/required/"]}`,
		`{"id":5,"from_contact":42}`,
		`{"id":-1}`,
		`{"id":6,"to_groups":["/api/v1/group/group/x/"]}`,
		`{"id":7,"deadline":"30/09/2025"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := DecodeStatement(raw)
		if err != nil {
			return
		}
		checkStatement(t, s)
		if string(s.Raw) != string(raw) {
			t.Fatalf("Raw is not the object as received")
		}
		again, err := DecodeStatement(encodeStatement(s))
		if err != nil {
			t.Fatalf("decoded %+v but not its re-encoding: %v", s, err)
		}
		s.Raw, again.Raw = nil, nil
		if !reflect.DeepEqual(normalise(s), normalise(again)) {
			t.Fatalf("re-encoding changed the statement:\n%+v\n%+v", s, again)
		}
	})
}

// FuzzDecodeFromContact: from_contact as a mailbox string (since June
// 2025), as an e-mail resource URI (before), or null.
func FuzzDecodeFromContact(f *testing.F) {
	f.Add("Jane Doe", "jdoe@example.org")
	f.Add("", "jdoe@example.org")
	f.Add("Ünïcødé \"Q\" Name", "o'neil+liaison@example.co.uk")
	f.Add("x", "a b/c?d#e%zz")
	f.Add("Rapporteur, Q14/15", "/api/v1/person/email/nested@example.org/")
	f.Fuzz(func(t *testing.T, name, addr string) {
		// Legacy shape: the e-mail object's URI.
		uri := ResourceURI(resEmail, addr)
		got, err := fromContact(mustJSON(t, uri))
		if addr != "" && utf8.ValidString(addr) && (err != nil || got != strings.TrimSpace(addr) && got != addr) {
			t.Fatalf("from_contact URI %q for %q: %q, %v", uri, addr, got, err)
		}
		// Current shape: a mailbox string, kept as entered (trimmed).
		mailbox := name + " <" + addr + ">"
		if got, err := fromContact(mustJSON(t, mailbox)); utf8.ValidString(mailbox) && (err != nil || got != strings.TrimSpace(mailbox)) {
			t.Fatalf("from_contact mailbox %q: %q, %v", mailbox, got, err)
		}
		// A bare address string, whatever is in it, never panics.
		_, _ = fromContact(mustJSON(t, addr))
		_, _ = fromContact(json.RawMessage(name))
		if got, err := fromContact(json.RawMessage("null")); got != "" || err != nil {
			t.Fatalf("null from_contact: %q, %v", got, err)
		}
	})
}

// FuzzRefKey: a resource URI's key comes back from ResourceURI.
func FuzzRefKey(f *testing.F) {
	f.Add("teas", "/api/v1/group/group/1985/")
	f.Add("draft-ietf-teas-yang-te-topo-bis", "https://datatracker.ietf.org/api/v1/doc/document/x/?format=json")
	f.Add("a/b", "/api/v1/doc/document/a%2Fb/")
	f.Add("", "://")
	f.Fuzz(func(t *testing.T, key, uri string) {
		_, _ = refKey(uri, resDocument)
		_, _ = refID(uri, resGroup)
		if key == "" {
			return
		}
		got, err := refKey(ResourceURI(resDocument, key), resDocument)
		if err != nil || got != key {
			t.Fatalf("refKey(ResourceURI(%q)) = %q, %v", key, got, err)
		}
	})
}

func checkDecodeError(t *testing.T, body []byte, err error) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("decode error is not a *DecodeError: %T %v", err, err)
	}
	if !json.Valid(body) && !de.Malformed {
		t.Fatalf("invalid JSON not reported as malformed: %v", err)
	}
	if json.Valid(body) && de.Malformed {
		t.Fatalf("valid JSON reported as malformed: %v", err)
	}
	if !json.Valid(body) && !errors.Is(err, ErrNotJSON) {
		t.Fatalf("invalid JSON does not match ErrNotJSON: %v", err)
	}
}

func checkStatement(t *testing.T, s Statement) {
	t.Helper()
	if s.ID <= 0 {
		t.Fatalf("accepted a statement with id %d", s.ID)
	}
	if (s.Deadline == "") != (s.DeadlineDate == nil) {
		t.Fatalf("deadline %q vs date %v", s.Deadline, s.DeadlineDate)
	}
	if s.DeadlineDate != nil {
		if s.DeadlineDate.Format(time.DateOnly) != s.Deadline || s.DeadlineDate.Location() != time.UTC {
			t.Fatalf("deadline %q vs date %v", s.Deadline, s.DeadlineDate)
		}
	}
	for _, ids := range [][]int64{s.FromGroups, s.ToGroups} {
		for _, id := range ids {
			if id <= 0 {
				t.Fatalf("group id %d in %+v", id, s)
			}
		}
	}
}

// encodeStatement serves s again in the API's current shape.
func encodeStatement(s Statement) []byte {
	uris := func(res string, ids []int64) []string {
		out := []string{}
		for _, id := range ids {
			out = append(out, ResourceURI(res, id))
		}
		return out
	}
	keys := func(res string, ks []string) []string {
		out := []string{}
		for _, k := range ks {
			out = append(out, ResourceURI(res, k))
		}
		return out
	}
	opt := func(res, k string) any {
		if k == "" {
			return nil
		}
		return ResourceURI(res, k)
	}
	var deadline any
	if s.Deadline != "" {
		deadline = s.Deadline
	}
	b, err := json.Marshal(map[string]any{
		"action_holder_contacts": s.ActionHolderContacts,
		"attachments":            keys(resDocument, s.Attachments),
		"body":                   s.Body,
		"cc_contacts":            s.CCContacts,
		"deadline":               deadline,
		"from_contact":           s.FromContact,
		"from_groups":            uris(resGroup, s.FromGroups),
		"id":                     s.ID,
		"other_identifiers":      s.OtherIdentifiers,
		"purpose":                opt(resPurposeName, s.Purpose),
		"response_contacts":      s.ResponseContacts,
		"state":                  opt(resStateName, s.State),
		"tags":                   keys(resTagName, s.Tags),
		"technical_contacts":     s.TechnicalContacts,
		"title":                  s.Title,
		"to_contacts":            s.ToContacts,
		"to_groups":              uris(resGroup, s.ToGroups),
	})
	if err != nil {
		panic(err)
	}
	return b
}

// normalise makes nil and empty slices equal and drops what re-encoding
// legitimately changes (invalid UTF-8 becomes U+FFFD).
func normalise(s Statement) Statement {
	for _, p := range []*[]int64{&s.FromGroups, &s.ToGroups} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	for _, p := range []*[]string{&s.Tags, &s.Attachments} {
		if len(*p) == 0 {
			*p = nil
		}
		for i, v := range *p {
			(*p)[i] = strings.ToValidUTF8(v, "\uFFFD")
		}
	}
	for _, p := range []*string{&s.Title, &s.FromContact, &s.ToContacts, &s.ResponseContacts, &s.TechnicalContacts,
		&s.ActionHolderContacts, &s.CCContacts, &s.OtherIdentifiers, &s.Body, &s.Purpose, &s.State} {
		*p = strings.ToValidUTF8(*p, "\uFFFD")
	}
	return s
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
