package testenv

import (
	"context"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/store"
)

// The small Datatracker directory the reminder and overdue tests share:
// two RTG working groups, the Routing Area, two SDOs and the IAB.
const (
	GroupTEAS  int64 = 1985
	GroupCCAMP int64 = 1986
	GroupRTG   int64 = 1249
	GroupSG15  int64 = 62
	Group3GPP  int64 = 56
	GroupIAB   int64 = 7
)

// SeedDirectory loads that directory into st: the groups; teas chaired by
// maria@example.net and olivia@example.net, ccamp by cora@example.org; the
// RTG AD alex@example.org; SG15's liaison manager hiroshi@example.jp; and
// the IAB's liaison coordinator ines@example.org.
func SeedDirectory(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(st.UpsertGroups(ctx, []store.Group{
		{ID: GroupTEAS, Acronym: "teas", Name: "Traffic Engineering Architecture and Signaling", Type: "wg", State: "active", ParentID: GroupRTG},
		{ID: GroupCCAMP, Acronym: "ccamp", Name: "Common Control and Measurement Plane", Type: "wg", State: "active", ParentID: GroupRTG},
		{ID: GroupRTG, Acronym: "rtg", Name: "Routing Area", Type: "area", State: "active"},
		{ID: GroupSG15, Acronym: "itu-t-sg-15", Name: "ITU-T SG 15", Type: "sdo", State: "active"},
		{ID: Group3GPP, Acronym: "3gpp", Name: "3GPP", Type: "sdo", State: "active"},
		{ID: GroupIAB, Acronym: "iab", Name: "Internet Architecture Board", Type: "ietf", State: "active"},
	}))
	check(st.UpsertPersons(ctx, []store.Person{
		{ID: 1, Name: "Maria Lindqvist"}, {ID: 2, Name: "Olivia Ramos"}, {ID: 3, Name: "Hiroshi Tanaka"},
		{ID: 4, Name: "Alex Example"}, {ID: 5, Name: "Ines Example"}, {ID: 6, Name: "Cora Camp"},
	}))
	check(st.ReplaceRoles(ctx, []store.Role{
		{ID: 1, Name: "chair", GroupID: GroupTEAS, PersonID: 1, Email: "maria@example.net"},
		{ID: 2, Name: "chair", GroupID: GroupTEAS, PersonID: 2, Email: "olivia@example.net"},
		{ID: 3, Name: "liaiman", GroupID: GroupSG15, PersonID: 3, Email: "hiroshi@example.jp"},
		{ID: 4, Name: "ad", GroupID: GroupRTG, PersonID: 4, Email: "alex@example.org"},
		{ID: 5, Name: "liaison_coordinator", GroupID: GroupIAB, PersonID: 5, Email: "ines@example.org"},
		{ID: 6, Name: "chair", GroupID: GroupCCAMP, PersonID: 6, Email: "cora@example.org"},
	}))
}
