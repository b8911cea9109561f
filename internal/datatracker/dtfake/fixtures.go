package dtfake

import (
	"fmt"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// Group ids of the fixtures. Real (from datatracker migration comments,
// NOTES §1.4): itu-t 51, 3gpp 56, itu-t-sg-15 62, teas 1985,
// 3gpp-tsgsa-sa3 2025, and none 1027 (datatracker.GroupNone). Invented: the rest (the example files use
// lamps 2147, rtg 1249, iesg 2, iab 7).
const (
	GroupIETF    int64 = 1
	GroupIESG    int64 = 2
	GroupIAB     int64 = 7
	GroupITUT    int64 = 51
	Group3GPP    int64 = 56
	GroupSG15    int64 = 62
	GroupART     int64 = 1008
	GroupRTG     int64 = 1249
	GroupSEC     int64 = 1260
	GroupHTTPBIS int64 = 1718
	GroupTEAS    int64 = 1985
	GroupSA3     int64 = 2025
	GroupLAMPS   int64 = 2147
)

// Person ids of the fixtures (invented, as in roles.example.json).
const (
	PersonSystem        int64 = 1
	PersonTEASChair1    int64 = 120001 // Maria Lindqvist
	PersonTEASChair2    int64 = 120002
	PersonRTGAD1        int64 = 120010 // responsible AD of teas
	PersonRTGAD2        int64 = 120011
	PersonIABChair      int64 = 120020
	PersonSG15Liaiman   int64 = 120030
	PersonSA3Liaiman    int64 = 120031
	PersonIETFChair     int64 = 120040
	PersonLAMPSChair1   int64 = 120041
	PersonLAMPSChair2   int64 = 120042
	PersonSECAD         int64 = 120043
	PersonCoordinator1  int64 = 120050
	PersonCoordinator2  int64 = 120051
	PersonHTTPBISChair1 int64 = 120060
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// LoadFixtures loads the shared examples (datatracker/liaisonstatement-list.example.json
// and roles.example.json): statements 2041-2043 with their attachments and
// relation 1210; the groups ietf, iesg, iab, rtg, teas, sec, lamps, art,
// httpbis, itu-t, itu-t-sg-15, 3gpp, 3gpp-tsgsa-sa3 and none; the roles and
// persons of roles.example.json plus an IETF chair, lamps chairs, a sec AD,
// httpbis chair and two liaison coordinators; and invented but consistent
// events (incoming statements submitted and posted at once, 2043 submitted,
// approved by the responsible AD and posted). Documents for 4053bis §4.3
// checks: WG drafts of teas and lamps, an individual draft, a draft that
// became rfc8795, and rfc8795 (ps), rfc8453 (inf), rfc9110 (std).
//
// Served objects equal the example files exactly. Load fixtures before
// Generate: it panics if the statement ids are taken.
func (s *Server) LoadFixtures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	for _, id := range []int64{2041, 2042, 2043} {
		if m.statements.get(id) != nil {
			panic(fmt.Sprintf("dtfake: LoadFixtures: statement %d exists (load fixtures before Generate)", id))
		}
	}

	grp := func(id int64, acr, name, typ string, parent int64, list string) *groupRec {
		g := &groupRec{Group: datatracker.Group{ID: id, Acronym: acr, Name: name, Type: typ, State: "active", ParentID: parent, ListEmail: list}}
		if list != "" {
			g.ListArchive = "https://mailarchive.ietf.org/arch/browse/" + acr + "/"
			g.ListSubscribe = "https://www.ietf.org/mailman/listinfo/" + acr
		}
		if typ == "wg" {
			g.Charter = "charter-ietf-" + acr
		}
		return g
	}
	ietf := grp(GroupIETF, "ietf", "Internet Engineering Task Force", "ietf", 0, "ietf@ietf.org")
	iesg := grp(GroupIESG, "iesg", "Internet Engineering Steering Group", "ietf", GroupIETF, "iesg@ietf.org")
	iab := grp(GroupIAB, "iab", "Internet Architecture Board", "ietf", GroupIETF, "iab@iab.org")
	rtg := grp(GroupRTG, "rtg", "Routing Area", "area", GroupIESG, "rtg-area@ietf.org")
	rtg.Description = "The Routing Area is responsible for ensuring continuous operational improvement to the Internet routing system."
	rtg.ListArchive = "https://mailarchive.ietf.org/arch/browse/rtg-area/"
	rtg.ListSubscribe = "https://www.ietf.org/mailman/listinfo/rtg-area"
	rtg.Time = ts("2025-03-20T09:00:00Z")
	teas := grp(GroupTEAS, "teas", "Traffic Engineering Architecture and Signaling", "wg", GroupRTG, "teas@ietf.org")
	teas.Description = "The Traffic Engineering Architecture and Signaling (TEAS) Working Group is responsible for defining MPLS and GMPLS traffic-engineering architecture, standardizing the RSVP-TE signaling protocol, and identifying required related control-protocol functions."
	teas.Time = ts("2024-11-05T17:21:09Z")
	sec := grp(GroupSEC, "sec", "Security Area", "area", GroupIESG, "saag@ietf.org")
	lamps := grp(GroupLAMPS, "lamps", "Limited Additional Mechanisms for PKIX and SMIME", "wg", GroupSEC, "spasm@ietf.org")
	art := grp(GroupART, "art", "Applications and Real-Time Area", "area", GroupIESG, "art@ietf.org")
	httpbis := grp(GroupHTTPBIS, "httpbis", "HTTP", "wg", GroupART, "ietf-http-wg@w3.org")
	itut := grp(GroupITUT, "itu-t", "ITU-T", "sdo", 0, "")
	sg15 := grp(GroupSG15, "itu-t-sg-15", "ITU-T SG 15", "sdo", GroupITUT, "")
	sg15.Time = ts("2012-01-24T13:17:42Z")
	tgpp := grp(Group3GPP, "3gpp", "3GPP", "sdo", 0, "")
	sa3 := grp(GroupSA3, "3gpp-tsgsa-sa3", "3GPP TSG SA WG3", "sdo", Group3GPP, "")
	none := grp(datatracker.GroupNone, "none", "Individual Submissions", "individ", 0, "")
	for _, g := range []*groupRec{ietf, iesg, iab, rtg, teas, sec, lamps, art, httpbis, itut, sg15, tgpp, sa3, none} {
		m.addGroup(*g)
	}

	per := func(id int64, name string, t string) {
		p := personRec{Person: datatracker.Person{ID: id, Name: name, ASCII: name}}
		if t != "" {
			p.Time = ts(t)
		}
		m.addPerson(p)
	}
	per(PersonSystem, "(System)", "")
	per(PersonTEASChair1, "Maria Lindqvist", "2016-03-14T10:22:31Z")
	per(PersonTEASChair2, "Olivia Ramos", "")
	per(PersonRTGAD1, "Alex Example", "")
	per(PersonRTGAD2, "Bea Example", "")
	per(PersonIABChair, "Chris Example", "")
	per(PersonSG15Liaiman, "Hiroshi Tanaka", "")
	per(PersonSA3Liaiman, "Pierre Dubois", "")
	per(PersonIETFChair, "Dana Example", "")
	per(PersonLAMPSChair1, "Elif Yilmaz", "")
	per(PersonLAMPSChair2, "Frank Example", "")
	per(PersonSECAD, "Grace Example", "")
	per(PersonCoordinator1, "Ines Example", "")
	per(PersonCoordinator2, "Jon Example", "")
	per(PersonHTTPBISChair1, "Kim Example", "")
	m.addEmail(emailRec{Address: "maria.lindqvist@example.net", PersonID: PersonTEASChair1, Origin: "role: teas/chair",
		Primary: true, Active: true, Time: ts("2016-03-14T10:22:31Z")})

	for _, r := range []datatracker.Role{
		{ID: 14501, Name: "chair", GroupID: GroupTEAS, PersonID: PersonTEASChair1, Email: "maria.lindqvist@example.net"},
		{ID: 14502, Name: "chair", GroupID: GroupTEAS, PersonID: PersonTEASChair2, Email: "o.ramos@example.com"},
		{ID: 15010, Name: "ad", GroupID: GroupTEAS, PersonID: PersonRTGAD1, Email: "ad-one@example.org"},
		{ID: 15009, Name: "ad", GroupID: GroupRTG, PersonID: PersonRTGAD1, Email: "ad-one@example.org"},
		{ID: 15011, Name: "ad", GroupID: GroupRTG, PersonID: PersonRTGAD2, Email: "ad-two@example.org"},
		{ID: 15100, Name: "chair", GroupID: GroupIAB, PersonID: PersonIABChair, Email: "iab-chair-person@example.org"},
		{ID: 9876, Name: "liaiman", GroupID: GroupSG15, PersonID: PersonSG15Liaiman, Email: "sg15-liaison-manager@example.org"},
		{ID: 9877, Name: "liaiman", GroupID: GroupSA3, PersonID: PersonSA3Liaiman, Email: "pierre.dubois@example.com"},
		{ID: 15101, Name: "chair", GroupID: GroupIETF, PersonID: PersonIETFChair, Email: "ietf-chair-person@example.org"},
		{ID: 14601, Name: "chair", GroupID: GroupLAMPS, PersonID: PersonLAMPSChair1, Email: "elif.yilmaz@example.org"},
		{ID: 14602, Name: "chair", GroupID: GroupLAMPS, PersonID: PersonLAMPSChair2, Email: "frank@example.org"},
		{ID: 15019, Name: "ad", GroupID: GroupSEC, PersonID: PersonSECAD, Email: "sec-ad@example.org"},
		{ID: 15020, Name: "ad", GroupID: GroupLAMPS, PersonID: PersonSECAD, Email: "sec-ad@example.org"},
		{ID: 15110, Name: "liaison_coordinator", GroupID: GroupIAB, PersonID: PersonCoordinator1, Email: "ines@example.org"},
		{ID: 15111, Name: "liaison_coordinator", GroupID: GroupIAB, PersonID: PersonCoordinator2, Email: "jon@example.org"},
		{ID: 14701, Name: "chair", GroupID: GroupHTTPBIS, PersonID: PersonHTTPBISChair1, Email: "kim@example.org"},
	} {
		m.addRole(r)
	}

	doc := func(d datatracker.Document) { m.addDocument(docRec{Document: d}) }
	doc(datatracker.Document{Name: "draft-ietf-teas-yang-te-topo-bis", Title: "YANG Data Model for Traffic Engineering (TE) Topologies", Type: "draft", Rev: "03",
		GroupID: GroupTEAS, Stream: "ietf", IntendedStdLevel: "ps", States: []int64{1}})
	doc(datatracker.Document{Name: "draft-ietf-teas-yang-te-topo", Title: "YANG Data Model for Traffic Engineering (TE) Topologies", Type: "draft", Rev: "22",
		GroupID: GroupTEAS, Stream: "ietf", IntendedStdLevel: "ps", States: []int64{datatracker.StateDraftRFC}})
	doc(datatracker.Document{Name: "rfc8795", Title: "YANG Data Model for Traffic Engineering (TE) Topologies", Type: "rfc",
		GroupID: GroupTEAS, Stream: "ietf", StdLevel: "ps", RFCNumber: 8795})
	doc(datatracker.Document{Name: "rfc8453", Title: "Framework for Abstraction and Control of TE Networks (ACTN)", Type: "rfc",
		GroupID: GroupTEAS, Stream: "ietf", StdLevel: "inf", RFCNumber: 8453})
	doc(datatracker.Document{Name: "rfc9110", Title: "HTTP Semantics", Type: "rfc",
		GroupID: GroupHTTPBIS, Stream: "ietf", StdLevel: "std", RFCNumber: 9110})
	doc(datatracker.Document{Name: "draft-ietf-lamps-dilithium-certificates", Title: "Internet X.509 Public Key Infrastructure: Algorithm Identifiers for ML-DSA", Type: "draft", Rev: "07",
		GroupID: GroupLAMPS, Stream: "ietf", IntendedStdLevel: "ps", States: []int64{1}})
	doc(datatracker.Document{Name: "draft-doe-teas-topology-ideas", Title: "Some Ideas on TE Topologies", Type: "draft", Rev: "01",
		GroupID: datatracker.GroupNone, States: []int64{1}})
	id := max(m.docRels.maxID()+1, 1)
	m.docRels.put(id, &docRelRec{datatracker.DocRelation{ID: id, Source: "draft-ietf-teas-yang-te-topo", Target: "rfc8795", Relationship: "became_rfc"}})

	// The statements of liaisonstatement-list.example.json.
	m.storeStatement(datatracker.Statement{
		ID: 2041, Title: "LS on post-quantum certificate profiles in 3GPP networks",
		FromGroups: []int64{GroupSA3}, FromContact: "Pierre Dubois <pierre.dubois@example.com>",
		ToGroups: []int64{GroupLAMPS}, ToContacts: "LAMPS Chairs <lamps-chairs@ietf.org>",
		ResponseContacts: "3GPP SA3 Secretary <sa3-secretary@example.com>",
		CCContacts:       "Lamps Discussion List <spasm@ietf.org>",
		Purpose:          "info", OtherIdentifiers: "S3-251234", State: "posted",
		Body: "3GPP TSG SA WG3 would like to inform the IETF LAMPS working group that SA3 has completed its study on the use of post-quantum algorithms for certificates in 3GPP networks (TR 33.938). SA3 intends to reference the IETF specifications on ML-DSA certificates once they are published as RFCs.\r\n\r\nNo action is requested from LAMPS.",
	})
	m.storeStatement(datatracker.Statement{
		ID: 2042, Title: "LS on alignment of TE topology YANG models with ITU-T transport models",
		FromGroups: []int64{GroupSG15}, FromContact: "Kenji Morita <tsbsg15@itu.int>",
		ToGroups: []int64{GroupTEAS}, ToContacts: "TEAS Chairs <teas-chairs@ietf.org>",
		ResponseContacts:     "tsbsg15@itu.int",
		TechnicalContacts:    "Kenji Morita <k.morita@example.jp>",
		ActionHolderContacts: "TEAS Chairs <teas-chairs@ietf.org>",
		CCContacts:           "The IESG <iesg@ietf.org>,Teas Discussion List <teas@ietf.org>,itu-t-liaison@iab.org",
		Purpose:              "action", Deadline: "2025-09-30", OtherIdentifiers: "SG15-LS289", State: "posted",
		Body: "Dear colleagues,\r\n\r\nITU-T Study Group 15 thanks the IETF TEAS working group for the continued collaboration on YANG data models for transport networks. SG15 has agreed on the attached draft Recommendation G.7711.1 and kindly asks TEAS to review the alignment of the TE topology identities with the ones in the ITU-T transport models.\r\n\r\nWe would appreciate your feedback before our next Study Group meeting.\r\n\r\nBest regards,\r\nITU-T SG15",
	})
	m.storeStatement(datatracker.Statement{
		ID: 2043, Title: "Reply LS on alignment of TE topology YANG models with ITU-T transport models",
		FromGroups: []int64{GroupTEAS}, FromContact: "Maria Lindqvist <maria.lindqvist@example.net>",
		ToGroups: []int64{GroupSG15}, ToContacts: "tsbsg15@itu.int",
		ResponseContacts:  "TEAS Chairs <teas-chairs@ietf.org>",
		TechnicalContacts: "Maria Lindqvist <maria.lindqvist@example.net>",
		CCContacts:        "Alex Example <ad-one@example.org>,Teas Discussion List <teas@ietf.org>,itu-t-liaison@iab.org",
		Purpose:           "response", State: "posted",
		Body: "The IETF TEAS working group thanks ITU-T Study Group 15 for its LS on alignment of TE topology YANG models with ITU-T transport models (SG15-LS289).\r\n\r\nTEAS has reviewed the identities listed in the annex of your LS. The proposed alignment has been adopted in draft-ietf-teas-yang-te-topo-bis-03; the mapping table is provided in the attached document.\r\n\r\nTEAS looks forward to continued cooperation.\r\n\r\nBest regards,\r\nTEAS WG chairs",
	})
	const att2042 = "liaison-2025-06-02-itu-t-sg-15-teas-ls-on-alignment-of-te-topology-yang-models-with-itu-t-transport-models-attachment-1"
	const att2043 = "liaison-2025-09-10-teas-itu-t-sg-15-reply-ls-on-alignment-of-te-topology-yang-models-with-itu-t-transport-models-attachment-1"
	m.addAttachment(2042, att2042, "SG15-LS289 Att.1: Draft Recommendation ITU-T G.7711.1", att2042+".pdf", 3100)
	m.addAttachment(2043, att2043, "Mapping of TE topology identities to ITU-T transport models", att2043+".pdf", 3101)
	m.related.put(1210, &relRec{datatracker.Related{ID: 1210, Source: 2043, Target: 2042, Relationship: "refold"}})

	for _, e := range []datatracker.Event{
		{ID: 9101, StatementID: 2041, Type: "submitted", Time: ts("2025-05-20T09:12:00Z"), By: PersonSA3Liaiman},
		{ID: 9102, StatementID: 2041, Type: "posted", Time: ts("2025-05-20T09:12:03Z"), By: PersonSA3Liaiman},
		{ID: 9110, StatementID: 2042, Type: "submitted", Time: ts("2025-06-02T14:03:48Z"), By: PersonSG15Liaiman},
		{ID: 9111, StatementID: 2042, Type: "posted", Time: ts("2025-06-02T14:03:51Z"), By: PersonSG15Liaiman},
		{ID: 9150, StatementID: 2043, Type: "submitted", Time: ts("2025-09-10T08:00:00Z"), By: PersonTEASChair1},
		{ID: 9151, StatementID: 2043, Type: "approved", Time: ts("2025-09-10T15:30:00Z"), By: PersonRTGAD1},
		{ID: 9152, StatementID: 2043, Type: "posted", Time: ts("2025-09-10T15:30:01Z"), By: PersonRTGAD1},
	} {
		m.addEvent(e)
	}
}
