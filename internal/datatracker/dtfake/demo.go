package dtfake

import (
	"fmt"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// Persona is someone of the demo directory a console user can speak as.
type Persona struct {
	Name  string
	Email string // the Datatracker e-mail, also the console user ID
	Role  string // what they are, for the console's list
}

// DemoGroup is the working group the demo's console room follows.
const DemoGroup = "teas"

// DemoPersonas are the people of LoadDemo a newcomer may speak as; the
// first is the one the console starts as (a chair of DemoGroup).
var DemoPersonas = []Persona{
	{"Maria Lindqvist", "maria.lindqvist@example.net", "TEAS WG chair (you, at start)"},
	{"Alex Example", "ad-one@example.org", "Routing AD, responsible for TEAS: approves TEAS statements (4053bis §4.1)"},
	{"Bea Example", "ad-two@example.org", "Routing AD"},
	{"Elif Yilmaz", "elif.yilmaz@example.org", "LAMPS WG chair (may not approve TEAS statements)"},
	{"Grace Example", "sec-ad@example.org", "Security AD, responsible for LAMPS"},
	{"Kim Example", "kim@example.org", "HTTPBIS WG chair"},
	{"Hiroshi Tanaka", "sg15-liaison-manager@example.org", "liaison manager to ITU-T SG15"},
	{"Ines Example", "ines@example.org", "IAB liaison coordinator"},
	{"Dana Example", "ietf-chair-person@example.org", "IETF Chair"},
	{"Pat Participant", "pat@example.org", "a TEAS participant without a role (may read, not submit)"},
}

// LoadDemo loads a directory for trying the bot (`make run`): the fixtures
// of LoadFixtures (areas rtg, sec and art with teas, lamps and httpbis,
// their ADs and chairs, liaison managers, coordinators, IETF and IAB
// chairs) plus 22 statements whose dates follow now: For Action deadlines
// from three weeks ago to two months ahead, two of them overdue and
// unanswered, one answered by a reply, one taken, and one outgoing
// statement still pending approval in the Datatracker.
func (s *Server) LoadDemo(now time.Time) {
	s.LoadFixtures()
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	at := now.AddDate(0, 0, -60)
	s.SetClock(func() time.Time { return at })
	s.AddPerson(datatracker.Person{ID: 120070, Name: "Pat Participant", ASCII: "Pat Participant"})

	type st struct {
		ago      int // days ago it was submitted
		from, to int64
		purpose  string
		deadline int // days from now; 0: none
		title    string
		state    string
		tags     []string
	}
	const (
		toTEAS    = "TEAS Chairs <teas-chairs@ietf.org>"
		toLAMPS   = "LAMPS Chairs <lamps-chairs@ietf.org>"
		toHTTPBIS = "HTTPBIS Chairs <httpbis-chairs@ietf.org>"
	)
	contacts := map[int64]string{GroupTEAS: toTEAS, GroupLAMPS: toLAMPS, GroupHTTPBIS: toHTTPBIS,
		GroupRTG: "Routing ADs <rtg-ads@ietf.org>", GroupIAB: "IAB <iab@iab.org>",
		GroupSG15: "tsbsg15@itu.int", GroupSA3: "3GPP SA3 Secretary <sa3-secretary@example.com>", Group3GPP: "3GPP <3gpp-liaison@example.com>"}
	from := map[int64]string{GroupSG15: "Kenji Morita <tsbsg15@itu.int>", GroupSA3: "Pierre Dubois <pierre.dubois@example.com>",
		Group3GPP: "3GPP MCC <mcc@example.com>", GroupITUT: "TSB <tsb@itu.int>",
		GroupTEAS: "Maria Lindqvist <maria.lindqvist@example.net>", GroupLAMPS: "Elif Yilmaz <elif.yilmaz@example.org>"}
	list := []st{
		{50, GroupSG15, GroupTEAS, "action", -10, "LS on OTN topology extensions for the TE topology model", "posted", nil},
		{45, GroupSG15, GroupTEAS, "action", -20, "LS on TE tunnel model alignment with G.7711", "posted", nil},
		{40, GroupSA3, GroupLAMPS, "action", -6, "LS on certificate revocation in 5G core network functions", "posted", nil},
		{38, GroupSG15, GroupTEAS, "action", -3, "LS on flexible Ethernet client mapping", "posted", []string{"taken"}},
		{35, GroupSG15, GroupTEAS, "action", 2, "LS on YANG models for optical transport network slicing", "posted", nil},
		{30, GroupSA3, GroupLAMPS, "action", 4, "LS on post-quantum signatures in 3GPP certificate profiles", "posted", nil},
		{28, Group3GPP, GroupHTTPBIS, "action", 6, "LS on HTTP/3 use in the service-based architecture", "posted", nil},
		{26, GroupSG15, GroupRTG, "action", 9, "LS on time synchronisation over packet networks", "posted", nil},
		{24, GroupITUT, GroupIAB, "action", 12, "LS on the IMT-2030 network architecture", "posted", nil},
		{22, GroupSG15, GroupTEAS, "action", 15, "LS on abstraction and control of transport networks (ACTN) for slicing", "posted", nil},
		{20, GroupSA3, GroupLAMPS, "action", 21, "LS on the ML-DSA certificate profile timeline", "posted", nil},
		{18, Group3GPP, GroupHTTPBIS, "action", 28, "LS on HTTP message signatures for the 5G core", "posted", nil},
		{16, GroupSG15, GroupTEAS, "action", 35, "LS on energy efficiency metrics for transport networks", "posted", nil},
		{14, GroupSA3, GroupLAMPS, "action", 45, "LS on composite certificates in network domain security", "posted", nil},
		{12, GroupSG15, GroupRTG, "action", 60, "LS on segment routing in transport networks", "posted", nil},
		{33, GroupSG15, GroupTEAS, "info", 0, "LS on the progress of G.8023 (FlexE interfaces)", "posted", nil},
		{25, GroupSA3, GroupLAMPS, "info", 0, "LS on the completion of TR 33.938", "posted", nil},
		{19, Group3GPP, GroupHTTPBIS, "info", 0, "LS on Release 19 stage 3 freeze", "posted", nil},
		{10, GroupITUT, GroupIAB, "info", 0, "LS on the outcome of the TSAG meeting", "posted", nil},
		{8, GroupSG15, GroupTEAS, "info", 0, "LS on the OTN YANG model plan", "posted", nil},
		{2, GroupLAMPS, GroupSA3, "response", 0, "Reply LS on certificate revocation in 5G core network functions", "pending", nil},
	}
	var ids []int64
	for _, x := range list {
		at = now.AddDate(0, 0, -x.ago)
		stmt := datatracker.Statement{
			Title: x.title, FromGroups: []int64{x.from}, ToGroups: []int64{x.to},
			FromContact: from[x.from], ToContacts: contacts[x.to], ResponseContacts: contacts[x.from],
			Purpose: x.purpose, State: x.state, Tags: x.tags,
			Body: fmt.Sprintf("Dear colleagues,\r\n\r\nThis liaison statement (%s) is part of the liaisonbot demo; its text is invented.\r\n\r\nBest regards", x.title),
		}
		if x.deadline != 0 {
			stmt.Deadline = day(x.deadline)
		}
		ids = append(ids, s.AddStatement(stmt))
	}
	// The TEAS chairs answered one of the older requests (an In Response
	// statement related to it ends its reminders, 4053bis §5.1).
	at = now.AddDate(0, 0, -30)
	reply := s.AddStatement(datatracker.Statement{
		Title: "Reply LS on OTN topology extensions for the TE topology model", FromGroups: []int64{GroupTEAS}, ToGroups: []int64{GroupSG15},
		FromContact: from[GroupTEAS], ToContacts: contacts[GroupSG15], ResponseContacts: toTEAS,
		Purpose: "response", State: "posted", Body: "TEAS thanks SG15 and has started the work (demo text).",
	})
	s.Relate(reply, ids[0])
	s.SetClock(time.Now)
}
