package datatracker_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
)

func fake(t testing.TB) *dtfake.Server {
	t.Helper()
	f := dtfake.New()
	f.Start()
	t.Cleanup(f.Close)
	return f
}

// comparable strips what differs between the fake's copy and a decoded
// statement only in form (Raw, nil vs empty slices).
func comparable(s datatracker.Statement) datatracker.Statement {
	s.Raw = nil
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	if len(s.Attachments) == 0 {
		s.Attachments = nil
	}
	return s
}

func TestRoundTripStatements(t *testing.T) {
	f := fake(t)
	f.LoadFixtures()
	f.Generate(120, 5)
	c := f.Client()
	ctx := context.Background()
	n := 0
	err := c.Statements(ctx, nil, func(ss []datatracker.Statement) error {
		for _, s := range ss {
			want, ok := f.Statement(s.ID)
			if !ok {
				t.Fatalf("statement %d not in the fake", s.ID)
			}
			if !reflect.DeepEqual(comparable(s), comparable(want)) {
				t.Errorf("statement %d:\n got %+v\nwant %+v", s.ID, comparable(s), comparable(want))
			}
			if len(s.Raw) == 0 {
				t.Errorf("statement %d without Raw", s.ID)
			}
			n++
		}
		return nil
	})
	if err != nil || n != 123 {
		t.Fatalf("%d statements, %v", n, err)
	}
	s, err := c.Statement(ctx, 2042)
	if err != nil || s.Deadline != "2025-09-30" || !slices.Equal(s.Tags, []string{"required"}) {
		t.Errorf("2042: %+v %v", s, err)
	}
	if _, err := c.Statement(ctx, 99999); !errors.Is(err, datatracker.ErrNotFound) {
		t.Errorf("unknown statement: %v", err)
	}
}

func TestPagingThroughFake(t *testing.T) {
	f := fake(t)
	f.Generate(250, 9)
	c := f.Client()
	var ids []int64
	pages := 0
	err := c.Statements(context.Background(), url.Values{"limit": {"40"}}, func(ss []datatracker.Statement) error {
		pages++
		for _, s := range ss {
			ids = append(ids, s.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 7 || len(ids) != 250 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 250 {
		t.Errorf("%d pages, %d ids", pages, len(ids))
	}
	log := f.Requests()
	if len(log) != 7 {
		t.Fatalf("requests %v", log)
	}
	if !strings.Contains(log[0], "order_by=id") || !strings.HasSuffix(log[6], "&limit=40&offset=240") {
		t.Errorf("first %s, last %s", log[0], log[6])
	}
	// The fake counts a response after writing it, which can be after the
	// client has read it: give the last count a moment.
	st := c.Stats()
	for i := 0; i < 100 && st.Bytes != f.BytesServed(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if st.Requests != 7 || st.Bytes != f.BytesServed() {
		t.Errorf("client stats %+v, fake served %d bytes", st, f.BytesServed())
	}
}

// The poller's view: one request per poll, posted and modified events only,
// statements posted out of id order still caught.
func TestPollingThroughFake(t *testing.T) {
	f := fake(t)
	f.LoadFixtures()
	c := f.Client()
	ctx := context.Background()
	types := []string{"posted", "modified"}
	last := f.LastEventID()
	poll := func() []datatracker.Event {
		t.Helper()
		evs, err := c.EventsAfter(ctx, last, types, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			last = evs[len(evs)-1].ID
		}
		return evs
	}
	if evs := poll(); len(evs) != 0 {
		t.Fatalf("idle poll: %+v", evs)
	}

	// An outgoing statement waits for approval while an incoming one is posted.
	out := f.AddStatement(datatracker.Statement{
		Title: "LS on TE topology identities", FromGroups: []int64{dtfake.GroupTEAS}, ToGroups: []int64{dtfake.GroupSG15},
		FromContact: "Maria Lindqvist <maria.lindqvist@example.net>", ToContacts: "tsbsg15@itu.int", Purpose: "info",
	})
	in := f.AddStatement(datatracker.Statement{
		Title: "LS on network slicing", FromGroups: []int64{dtfake.GroupSA3}, ToGroups: []int64{dtfake.GroupLAMPS},
		Purpose: "action", Deadline: "2026-03-31", State: "posted", Attachments: []string{"liaison-s3-x-attachment-1"},
	})
	if in != out+1 {
		t.Fatalf("ids %d %d", out, in)
	}
	evs := poll()
	if len(evs) != 1 || evs[0].StatementID != in || evs[0].Type != "posted" {
		t.Fatalf("after submit: %+v", evs)
	}
	s, err := c.Statement(ctx, out)
	if err != nil || s.State != "pending" {
		t.Fatalf("outgoing: %+v %v", s, err)
	}
	s, err = c.Statement(ctx, in)
	if err != nil || s.DeadlineDate == nil || !slices.Equal(s.Tags, []string{"required"}) || !slices.Equal(s.Attachments, []string{"liaison-s3-x-attachment-1"}) {
		t.Fatalf("incoming: %+v %v", s, err)
	}

	f.Approve(out)
	postID := f.Post(out)
	evs = poll()
	if len(evs) != 1 || evs[0].ID != postID || evs[0].StatementID != out {
		t.Fatalf("after post: %+v", evs)
	}
	if s, _ := c.Statement(ctx, out); s.State != "posted" {
		t.Errorf("state %s", s.State)
	}

	f.Modify(in, func(s *datatracker.Statement) { s.Title = "LS on network slicing (revised)"; s.Deadline = "2026-04-30" })
	evs = poll()
	if len(evs) != 1 || evs[0].Type != "modified" || evs[0].Desc != "Statement Modified" {
		t.Fatalf("after modify: %+v", evs)
	}
	if s, _ := c.Statement(ctx, in); s.Title != "LS on network slicing (revised)" || s.Deadline != "2026-04-30" || s.DeadlineDate.Month() != time.April {
		t.Errorf("modified: %+v", s)
	}

	dead := f.AddStatement(datatracker.Statement{Title: "draft that goes nowhere", FromGroups: []int64{dtfake.GroupLAMPS}, ToGroups: []int64{dtfake.GroupSA3}})
	f.Kill(dead)
	if evs := poll(); len(evs) != 0 {
		t.Errorf("killed statements do not show in the poll: %+v", evs)
	}
	all, err := c.EventsAfter(ctx, postID, nil, 100)
	if err != nil || len(all) != 3 || all[1].Type != "submitted" || all[2].Type != "killed" {
		t.Errorf("all events: %+v %v", all, err)
	}

	rel := f.Relate(out, 2042)
	var rs []datatracker.Related
	if err := c.Related(ctx, url.Values{"target": {"2042"}}, func(r []datatracker.Related) error { rs = append(rs, r...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != 1210 || rs[1] != (datatracker.Related{ID: rel, Source: out, Target: 2042, Relationship: "refold"}) {
		t.Errorf("related: %+v", rs)
	}

	f.SetTag(2042, "taken")
	if s, _ := c.Statement(ctx, 2042); !slices.Equal(s.Tags, []string{"taken"}) {
		t.Errorf("tags %v", s.Tags)
	}

	doc := f.AddAttachment(out, "Annex: mapping table", "annex 1.pdf")
	var as []datatracker.Attachment
	if err := c.Attachments(ctx, url.Values{"statement": {itoa(out)}}, func(a []datatracker.Attachment) error { as = append(as, a...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Document != doc || as[0].StatementID != out || as[0].Removed {
		t.Fatalf("attachments: %+v", as)
	}
	d, err := c.Document(ctx, doc)
	if err != nil || d.Title != "Annex: mapping table" || d.AttachmentURL() != datatracker.LiaisonAttachURL+"annex%201.pdf" {
		t.Errorf("attachment document %+v %v", d, err)
	}
	if evs := poll(); len(evs) != 1 || !strings.HasPrefix(evs[0].Desc, "Added attachment") {
		t.Errorf("attachment event: %+v", evs)
	}
	f.RemoveAttachment(as[0].ID)
	as = nil
	_ = c.Attachments(ctx, url.Values{"statement": {itoa(out)}}, func(a []datatracker.Attachment) error { as = append(as, a...); return nil })
	if len(as) != 1 || !as[0].Removed {
		t.Errorf("removed attachment: %+v", as)
	}
	if s, _ := c.Statement(ctx, out); !slices.Equal(s.Attachments, []string{doc}) {
		t.Errorf("a removed attachment stays in the statement's list: %v", s.Attachments)
	}
}

func TestLegacyFromContactThroughFake(t *testing.T) {
	f := fake(t)
	f.LoadFixtures()
	blank := f.AddStatement(datatracker.Statement{Title: "x", FromGroups: []int64{dtfake.GroupTEAS}, ToGroups: []int64{dtfake.GroupSG15}})
	f.SetLegacyFromContact(true)
	c := f.Client()
	ctx := context.Background()
	s, err := c.Statement(ctx, 2043)
	if err != nil || s.FromContact != "maria.lindqvist@example.net" {
		t.Errorf("old shape: %q %v", s.FromContact, err)
	}
	if !strings.Contains(string(s.Raw), `"from_contact":"/api/v1/person/email/maria.lindqvist@example.net/"`) {
		t.Errorf("raw %s", s.Raw)
	}
	if s, err := c.Statement(ctx, blank); err != nil || s.FromContact != "" || !strings.Contains(string(s.Raw), `"from_contact":null`) {
		t.Errorf("null: %q %s %v", s.FromContact, s.Raw, err)
	}
	f.SetLegacyFromContact(false)
	if s, _ := c.Statement(ctx, 2043); s.FromContact != "Maria Lindqvist <maria.lindqvist@example.net>" {
		t.Errorf("new shape: %q", s.FromContact)
	}
}

func TestGroupsRolesPeopleThroughFake(t *testing.T) {
	f := fake(t)
	f.LoadFixtures()
	c := f.Client()
	ctx := context.Background()

	g, err := c.Group(ctx, dtfake.GroupTEAS)
	if err != nil || g != (datatracker.Group{ID: 1985, Acronym: "teas", Name: "Traffic Engineering Architecture and Signaling", Type: "wg", State: "active", ParentID: 1249, ListEmail: "teas@ietf.org"}) {
		t.Errorf("teas %+v %v", g, err)
	}
	area, err := c.Group(ctx, g.ParentID)
	if err != nil || area.Type != "area" || area.Acronym != "rtg" {
		t.Errorf("area %+v %v", area, err)
	}
	if g, err := c.GroupByAcronym(ctx, "iab"); err != nil || g.ID != dtfake.GroupIAB {
		t.Errorf("iab %+v %v", g, err)
	}
	var sdos []string
	if err := c.Groups(ctx, url.Values{"type": {"sdo"}}, func(gs []datatracker.Group) error {
		for _, g := range gs {
			sdos = append(sdos, g.Acronym)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sdos, " ") != "itu-t 3gpp itu-t-sg-15 3gpp-tsgsa-sa3" {
		t.Errorf("sdos %v", sdos)
	}

	var roles []datatracker.Role
	q := url.Values{"name__in": {"chair,secr,ad,liaiman,liaison_coordinator"}, "limit": {"5"}}
	if err := c.Roles(ctx, q, func(rs []datatracker.Role) error { roles = append(roles, rs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(roles) != 16 {
		t.Errorf("%d roles", len(roles))
	}
	want := datatracker.Role{ID: 15010, Name: "ad", GroupID: 1985, PersonID: 120010, Email: "ad-one@example.org"}
	if !slices.Contains(roles, want) {
		t.Errorf("responsible AD of teas missing: %+v", roles)
	}
	p, err := c.Person(ctx, 120001)
	if err != nil || p.DisplayName() != "Maria Lindqvist" {
		t.Errorf("person %+v %v", p, err)
	}
	id := f.AddPerson(datatracker.Person{Name: "José María García-López", Plain: "José García"})
	if p, err := c.Person(ctx, id); err != nil || p.DisplayName() != "José García" || p.ASCII == "" {
		t.Errorf("person %+v %v", p, err)
	}
	var people []datatracker.Person
	if err := c.People(ctx, url.Values{"id__in": {"120001,120002"}}, func(ps []datatracker.Person) error { people = append(people, ps...); return nil }); err != nil || len(people) != 2 {
		t.Errorf("people %+v %v", people, err)
	}
	if _, err := c.Person(ctx, 424242); !errors.Is(err, datatracker.ErrNotFound) {
		t.Errorf("unknown person: %v", err)
	}

	// A new group and role, e.g. a WG chartered since the last refresh.
	wg := f.AddGroup(datatracker.Group{Acronym: "newwg", Name: "New WG", Type: "wg", ParentID: dtfake.GroupRTG, ListEmail: "newwg@ietf.org"})
	f.AddRole(datatracker.Role{Name: "chair", GroupID: wg, PersonID: id, Email: "jose@example.org"})
	var rs []datatracker.Role
	if err := c.Roles(ctx, url.Values{"group__acronym": {"newwg"}, "name": {"chair"}}, func(r []datatracker.Role) error { rs = append(rs, r...); return nil }); err != nil || len(rs) != 1 || rs[0].PersonID != id {
		t.Errorf("new role %+v %v", rs, err)
	}
}

// The data for 4053bis §4.3 checks of referenced documents.
func TestDocumentsThroughFake(t *testing.T) {
	f := fake(t)
	f.LoadFixtures()
	c := f.Client()
	ctx := context.Background()

	rfc, err := c.Document(ctx, "rfc8795")
	if err != nil || rfc.Type != "rfc" || rfc.RFCNumber != 8795 || rfc.StdLevel != "ps" || !rfc.StandardsTrack() || rfc.GroupID != dtfake.GroupTEAS {
		t.Errorf("rfc8795 %+v %v", rfc, err)
	}
	if d, err := c.Document(ctx, datatracker.RFCDocName(8453)); err != nil || d.StdLevel != "inf" || d.StandardsTrack() {
		t.Errorf("rfc8453 %+v %v", d, err)
	}
	old, err := c.Document(ctx, "draft-ietf-teas-yang-te-topo")
	if err != nil || !old.DraftPublished() {
		t.Errorf("published draft %+v %v", old, err)
	}
	if name, err := c.BecameRFC(ctx, old.Name); err != nil || name != "rfc8795" {
		t.Errorf("became %q %v", name, err)
	}
	wgDraft, err := c.Document(ctx, "draft-ietf-teas-yang-te-topo-bis")
	if err != nil || wgDraft.DraftPublished() || !wgDraft.StandardsTrack() || wgDraft.GroupID != dtfake.GroupTEAS {
		t.Errorf("wg draft %+v %v", wgDraft, err)
	}
	if name, err := c.BecameRFC(ctx, wgDraft.Name); err != nil || name != "" {
		t.Errorf("not an RFC: %q %v", name, err)
	}
	ind, err := c.Document(ctx, "draft-doe-teas-topology-ideas")
	if err != nil || ind.GroupID != datatracker.GroupNone || ind.StandardsTrack() {
		t.Errorf("individual draft %+v %v", ind, err)
	}
	if _, err := c.Document(ctx, "draft-nobody-nothing"); !errors.Is(err, datatracker.ErrNotFound) {
		t.Errorf("unknown draft: %v", err)
	}
	f.AddDocument(datatracker.Document{Name: "rfc6824", Title: "TCP Extensions for Multipath Operation with Multiple Addresses", Type: "rfc", RFCNumber: 6824, StdLevel: "exp", Stream: "ietf"})
	if d, err := c.Document(ctx, "RFC6824"); err != nil || d.StdLevel != "exp" || d.StandardsTrack() {
		t.Errorf("rfc6824 %+v %v", d, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkIdlePoll measures an idle incremental poll: one small request
// whatever the length of the history.
func BenchmarkIdlePoll(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run("statements="+itoa(int64(n)), func(b *testing.B) {
			f := fake(b)
			f.Generate(n, 1)
			c := f.Client()
			ctx := context.Background()
			last := f.LastEventID()
			before := c.Stats()
			for b.Loop() {
				evs, err := c.EventsAfter(ctx, last, []string{"posted", "modified"}, 100)
				if err != nil || len(evs) != 0 {
					b.Fatal(evs, err)
				}
			}
			after := c.Stats()
			b.ReportMetric(float64(after.Requests-before.Requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(after.Bytes-before.Bytes)/float64(b.N), "bytes/op")
		})
	}
}
