package dtfake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// The generated universe: real acronyms, invented ids, people and text.
var genAreas = []struct {
	acr, name string
	wgs       []string
}{
	{"art", "Applications and Real-Time Area", []string{"httpbis", "core", "extra", "jmap", "calext", "sedate", "mimi"}},
	{"int", "Internet Area", []string{"6man", "intarea", "dhc", "6lo", "dmm"}},
	{"ops", "Operations and Management Area", []string{"dnsop", "opsawg", "v6ops", "grow", "netmod", "netconf"}},
	{"rtg", "Routing Area", []string{"teas", "ccamp", "pce", "spring", "mpls", "bess", "lsr", "idr", "detnet"}},
	{"sec", "Security Area", []string{"lamps", "tls", "ipsecme", "acme", "oauth", "cose", "emu"}},
	{"wit", "Web and Internet Transport Area", []string{"quic", "tsvwg", "masque", "ippm", "ccwg", "moq"}},
}

var genSDOs = []struct {
	acr, name string
	children  [][2]string
}{
	{"itu-t", "ITU-T", [][2]string{{"itu-t-sg-15", "ITU-T SG 15"}, {"itu-t-sg-13", "ITU-T SG 13"}, {"itu-t-sg-17", "ITU-T SG 17"}, {"itu-t-sg-11", "ITU-T SG 11"}, {"itu-t-sg-2", "ITU-T SG 2"}}},
	{"3gpp", "3GPP", [][2]string{{"3gpp-tsgsa-sa3", "3GPP TSG SA WG3"}, {"3gpp-tsgsa-sa2", "3GPP TSG SA WG2"}, {"3gpp-tsgct-ct4", "3GPP TSG CT WG4"}, {"3gpp-tsgran-ran2", "3GPP TSG RAN WG2"}}},
	{"ieee", "IEEE", [][2]string{{"ieee-802-1", "IEEE 802.1"}, {"ieee-802-11", "IEEE 802.11"}}},
	{"w3c", "W3C", nil},
	{"etsi", "ETSI", [][2]string{{"etsi-nfv", "ETSI ISG NFV"}, {"etsi-zsm", "ETSI ISG ZSM"}}},
	{"iso-iec-jtc1", "ISO/IEC JTC 1", [][2]string{{"iso-iec-jtc1-sc27", "ISO/IEC JTC 1/SC 27"}, {"iso-iec-jtc1-sc6", "ISO/IEC JTC 1/SC 6"}}},
	{"broadband-forum", "Broadband Forum", nil},
	{"mef", "MEF", nil},
}

var genFirst = []string{"Ana", "Björn", "Chen", "Daniela", "Emeka", "Fatima", "Giulia", "Hannes", "Ioana", "Jun", "Kaveh", "Lena",
	"Mohamed", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sanjay", "Tomás", "Ulrike", "Vikram", "Wen", "Xavier", "Yuki", "Zainab"}
var genLast = []string{"Almeida", "Bergström", "Chowdhury", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann", "Ito", "Jansen",
	"Kowalski", "Li", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Urban", "Varga", "Wang",
	"Xu", "Yamamoto", "Zhang"}

var genTopics = []string{
	"YANG data models for optical transport networks", "deterministic networking in 5G systems", "post-quantum certificates",
	"IPv6 deployment in mobile networks", "time synchronisation over packet networks", "network slicing",
	"segment routing over IPv6", "QUIC in mobile core networks", "DNS privacy", "digital identity wallets",
	"energy efficiency metrics", "MPLS-TP operations", "interoperability of path computation", "secure software updates",
	"congestion control for real-time media", "home network addressing", "URN namespaces", "Ethernet OAM",
	"traffic engineering topologies", "certificate transparency", "onboarding of IoT devices", "SIP identity",
	"network telemetry", "multicast in data centres", "alarm management", "encrypted client hello",
}

type genPerson struct {
	id          int64
	name, email string
}

type generator struct {
	m      *model
	r      *rand.Rand
	people []genPerson
	byID   map[int64]genPerson
	wgs    []int64 // active WGs
	areas  []int64
	sdos   []int64 // SDO groups statements are exchanged with
	areaOf map[int64]int64
	roles  map[string][]int64 // "<group>/<role>" -> person ids
	events []datatracker.Event
}

// Generate adds a realistic history of n statements after whatever the
// fake holds: WGs in areas, SDO groups with liaison managers, chairs, ADs
// and coordinators (existing groups and roles, e.g. from LoadFixtures, are
// reused); incoming and outgoing statements For information, For action
// (with deadlines and the tag required, sometimes taken), In response
// (related to what they answer, addressed back to its sender) and, in the
// older part, For comment; attachments (a few removed); submitted,
// approved, posted, modified and killed events. Outgoing statements wait
// hours to two weeks for approval, so they are posted out of id order;
// some stay pending and some are killed. Event ids grow with event time.
// The same seed gives the same history.
func (s *Server) Generate(n int, seed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &generator{m: s.m, r: rand.New(rand.NewPCG(uint64(seed), 0x4053b15)), byID: map[int64]genPerson{},
		areaOf: map[int64]int64{}, roles: map[string][]int64{}}
	g.universe()
	g.statements(n)
}

func (g *generator) ensureGroup(acr, name, typ string, parent int64, list string) int64 {
	if x := g.m.groupByAcronym(acr); x != nil {
		return x.ID
	}
	rec := groupRec{Group: datatracker.Group{Acronym: acr, Name: name, Type: typ, State: "active", ParentID: parent, ListEmail: list}}
	if typ == "wg" {
		rec.Charter = "charter-ietf-" + acr
	}
	if list != "" {
		rec.ListArchive = "https://mailarchive.ietf.org/arch/browse/" + acr + "/"
		rec.ListSubscribe = "https://www.ietf.org/mailman/listinfo/" + acr
	}
	rec.ID = max(g.m.groups.maxID()+1, 3000)
	return g.m.addGroup(rec)
}

func (g *generator) newPerson() genPerson {
	first, last := genFirst[g.r.IntN(len(genFirst))], genLast[g.r.IntN(len(genLast))]
	id := max(g.m.persons.maxID()+1, 130000)
	p := genPerson{id: id, name: first + " " + last,
		email: fmt.Sprintf("%s.%s.%d@example.org", asciiLower(first), asciiLower(last), id)}
	rec := personRec{Person: datatracker.Person{ID: id, Name: p.name, ASCII: asciiName(p.name)}}
	if g.r.IntN(30) == 0 {
		rec.Plain = first + " " + strings.ToUpper(last[:1]) + last[1:]
	}
	g.m.addPerson(rec)
	g.byID[id] = p
	return p
}

// role makes sure a group has k holders of a role, creating them if the
// group has none, and remembers the holders.
func (g *generator) role(group int64, name string, k int, pick func() genPerson) []int64 {
	key := fmt.Sprintf("%d/%s", group, name)
	var have []int64
	for _, id := range g.m.roles.ids {
		r := g.m.roles.byID[id]
		if r.GroupID == group && r.Name == name {
			have = append(have, r.PersonID)
			if _, ok := g.byID[r.PersonID]; !ok {
				p := g.m.persons.get(r.PersonID)
				if p != nil {
					g.byID[r.PersonID] = genPerson{id: p.ID, name: p.Name, email: r.Email}
				}
			}
		}
	}
	if len(have) == 0 {
		for range k {
			p := pick()
			g.m.addRole(datatracker.Role{Name: name, GroupID: group, PersonID: p.id, Email: p.email})
			have = append(have, p.id)
		}
	}
	g.roles[key] = have
	return have
}

func (g *generator) universe() {
	m := g.m
	if m.persons.get(1) == nil {
		m.addPerson(personRec{Person: datatracker.Person{ID: 1, Name: "(System)", ASCII: "(System)"}})
	}
	ietf := g.ensureGroup("ietf", "Internet Engineering Task Force", "ietf", 0, "ietf@ietf.org")
	iesg := g.ensureGroup("iesg", "Internet Engineering Steering Group", "ietf", ietf, "iesg@ietf.org")
	iab := g.ensureGroup("iab", "Internet Architecture Board", "ietf", ietf, "iab@iab.org")
	if m.groups.get(datatracker.GroupNone) == nil {
		m.addGroup(groupRec{Group: datatracker.Group{ID: datatracker.GroupNone, Acronym: "none", Name: "Individual Submissions", Type: "individ", State: "active"}})
	}
	fresh := func() genPerson { return g.newPerson() }
	g.role(ietf, "chair", 1, fresh)
	g.role(iab, "chair", 1, fresh)
	g.role(iab, "liaison_coordinator", 2, fresh)
	for _, a := range genAreas {
		area := g.ensureGroup(a.acr, a.name, "area", iesg, a.acr+"-area@ietf.org")
		g.areas = append(g.areas, area)
		ads := g.role(area, "ad", 2, fresh)
		for _, w := range a.wgs {
			wg := g.ensureGroup(w, strings.ToUpper(w)+" Working Group", "wg", area, w+"@ietf.org")
			g.wgs = append(g.wgs, wg)
			g.areaOf[wg] = area
			g.role(wg, "chair", 2, fresh)
			if g.r.IntN(3) == 0 {
				g.role(wg, "secr", 1, fresh)
			}
			ad := ads[g.r.IntN(len(ads))]
			g.role(wg, "ad", 1, func() genPerson { return g.byID[ad] })
		}
	}
	for _, sdo := range genSDOs {
		top := g.ensureGroup(sdo.acr, sdo.name, "sdo", 0, "")
		if len(sdo.children) == 0 {
			g.sdos = append(g.sdos, top)
			g.role(top, "liaiman", 1, fresh)
			continue
		}
		for _, c := range sdo.children {
			id := g.ensureGroup(c[0], c[1], "sdo", top, "")
			g.sdos = append(g.sdos, id)
			g.role(id, "liaiman", 1, fresh)
		}
	}
}

// genStmt is a generated statement with what the generator needs later.
type genStmt struct {
	st       *datatracker.Statement
	incoming bool
	at       time.Time
	answered bool
	topic    string
}

func (g *generator) pickOne(xs []int64) int64 { return xs[g.r.IntN(len(xs))] }

func (g *generator) holder(group int64, role string) genPerson {
	hs := g.roles[fmt.Sprintf("%d/%s", group, role)]
	if len(hs) == 0 {
		return genPerson{id: 1, name: "(System)"}
	}
	return g.byID[hs[g.r.IntN(len(hs))]]
}

func (g *generator) acr(id int64) string {
	if x := g.m.groups.get(id); x != nil {
		return x.Acronym
	}
	return fmt.Sprint(id)
}

func (g *generator) statements(n int) {
	m := g.m
	step := 8 * time.Hour
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(n) * step)
	if len(m.events.ids) > 0 {
		start = m.lastTime.Add(time.Hour)
	}
	nextID := m.statements.maxID() + 1
	relID := max(m.related.maxID()+1, 1)
	var history []*genStmt
	ietf, iab := g.m.groupByAcronym("ietf").ID, g.m.groupByAcronym("iab").ID
	iesg := g.m.groupByAcronym("iesg").ID

	for i := range n {
		at := start.Add(time.Duration(i)*step + time.Duration(g.r.Int64N(int64(step))))
		gs := &genStmt{incoming: g.r.IntN(100) < 55, at: at, topic: genTopics[g.r.IntN(len(genTopics))]}
		st := &datatracker.Statement{ID: nextID}
		nextID++
		gs.st = st

		// Purpose: "For comment" is retired, so only in the older part.
		roll := g.r.IntN(100)
		switch {
		case roll < 45:
			st.Purpose = "info"
		case gs.incoming && roll < 80, !gs.incoming && roll < 60:
			st.Purpose = "action"
		case roll < 85 && i < n*6/10:
			st.Purpose = "comment"
		default:
			st.Purpose = "response"
		}
		var target *genStmt
		if st.Purpose == "response" {
			// Answer an earlier statement of the other direction, preferably
			// an unanswered one For action.
			for try := 0; try < 8 && len(history) > 0; try++ {
				c := history[max(0, len(history)-1-g.r.IntN(min(len(history), 200)))]
				if c.incoming != gs.incoming && c.st.State != "dead" && (c.st.Purpose == "action" || try > 4) {
					target = c
					break
				}
			}
			if target == nil {
				st.Purpose = "info"
			}
		}

		// Groups: reply addressing follows 4053bis §2: To = the original From.
		switch {
		case target != nil:
			st.FromGroups = slices.Clone(target.st.ToGroups)
			st.ToGroups = slices.Clone(target.st.FromGroups)
			gs.topic = target.topic
		case gs.incoming:
			st.FromGroups = []int64{g.pickOne(g.sdos)}
			switch r := g.r.IntN(100); {
			case r < 80:
				st.ToGroups = []int64{g.pickOne(g.wgs)}
			case r < 90:
				a := g.pickOne(g.wgs)
				b := g.pickOne(g.wgs)
				st.ToGroups = []int64{a}
				if b != a {
					st.ToGroups = append(st.ToGroups, b)
				}
			case r < 95:
				st.ToGroups = []int64{g.pickOne(g.areas)}
			default:
				st.ToGroups = []int64{[]int64{ietf, iab, iesg}[g.r.IntN(3)]}
			}
		default:
			switch r := g.r.IntN(100); {
			case r < 75:
				st.FromGroups = []int64{g.pickOne(g.wgs)}
			case r < 83:
				a := g.pickOne(g.wgs)
				st.FromGroups = []int64{a}
				if b := g.pickOne(g.wgs); b != a {
					st.FromGroups = append(st.FromGroups, b)
				}
			case r < 90:
				st.FromGroups = []int64{g.pickOne(g.areas)}
			case r < 95:
				st.FromGroups = []int64{iab}
			default:
				st.FromGroups = []int64{[]int64{ietf, iesg}[g.r.IntN(2)]}
			}
			st.ToGroups = []int64{g.pickOne(g.sdos)}
			if g.r.IntN(10) == 0 {
				if b := g.pickOne(g.sdos); b != st.ToGroups[0] {
					st.ToGroups = append(st.ToGroups, b)
				}
			}
		}
		g.fill(gs, target)

		if st.Purpose == "action" || st.Purpose == "comment" {
			d := at.AddDate(0, 0, 21+g.r.IntN(100)).Truncate(24 * time.Hour)
			st.Deadline = d.Format(time.DateOnly)
			st.DeadlineDate = &d
			st.Tags = []string{"required"}
		}
		g.lifecycle(gs)
		m.statements.put(st.ID, &stmtRec{*st})

		if target != nil {
			m.related.put(relID, &relRec{datatracker.Related{ID: relID, Source: st.ID, Target: target.st.ID, Relationship: "refold"}})
			relID++
			if !target.answered && slices.Contains(target.st.Tags, "required") && g.r.IntN(10) < 6 {
				// "Mark as action taken" is manual (#9387): only sometimes.
				target.st.Tags = []string{"taken"}
				m.statements.get(target.st.ID).Tags = []string{"taken"}
			}
			target.answered = true
		}
		g.attachments(gs)
		history = append(history, gs)
	}

	// Event ids follow event time, after the ids already used.
	slices.SortStableFunc(g.events, func(a, b datatracker.Event) int { return a.Time.Compare(b.Time) })
	id := m.events.maxID()
	for _, e := range g.events {
		id++
		e.ID = id
		m.addEvent(e)
	}
}

// fill writes the text fields.
func (g *generator) fill(gs *genStmt, target *genStmt) {
	st := gs.st
	from, to := st.FromGroups[0], st.ToGroups[0]
	fromName := g.m.groups.get(from).Name
	switch {
	case target != nil:
		st.Title = "Reply LS on " + gs.topic
	case gs.incoming:
		st.Title = "LS on " + gs.topic
	default:
		st.Title = []string{"LS on ", "Liaison statement on ", "LS to " + strings.ToUpper(g.acr(to)) + " on "}[g.r.IntN(3)] + gs.topic
	}
	if gs.incoming {
		p := g.newContact()
		st.FromContact = p.name + " <" + p.email + ">"
		if g.r.IntN(2) == 0 {
			st.FromContact = g.holder(from, "liaiman").name + " <" + g.holder(from, "liaiman").email + ">"
		}
		var to []string
		var cc []string
		for _, t := range st.ToGroups {
			tg := g.m.groups.get(t)
			to = append(to, strings.ToUpper(tg.Acronym)+" Chairs <"+tg.Acronym+"-chairs@ietf.org>")
			if tg.ListEmail != "" {
				cc = append(cc, strings.ToUpper(tg.Acronym[:1])+tg.Acronym[1:]+" Discussion List <"+tg.ListEmail+">")
			}
		}
		st.ToContacts = strings.Join(to, ",")
		st.CCContacts = strings.Join(append([]string{"The IESG <iesg@ietf.org>"}, cc...), ",")
		st.ResponseContacts = strings.ToUpper(g.acr(from)) + " Secretariat <" + g.acr(from) + "-secretariat@example.com>"
		if g.r.IntN(2) == 0 {
			st.TechnicalContacts = p.name + " <" + p.email + ">"
		}
		if st.Purpose == "action" {
			st.ActionHolderContacts = st.ToContacts
		}
		st.OtherIdentifiers = fmt.Sprintf("%s-LS%03d", strings.ToUpper(strings.ReplaceAll(g.acr(from), "-", "")), g.r.IntN(900)+1)
	} else {
		chair := g.holder(from, "chair")
		if chair.id == 1 {
			chair = g.holder(from, "ad")
		}
		st.FromContact = chair.name + " <" + chair.email + ">"
		if g.r.IntN(25) == 0 {
			st.FromContact = "" // blank in some older records
		}
		var to []string
		for _, t := range st.ToGroups {
			to = append(to, g.acr(t)+"-liaison@example.org")
		}
		st.ToContacts = strings.Join(to, ",")
		fg := g.m.groups.get(from)
		st.ResponseContacts = strings.ToUpper(fg.Acronym) + " Chairs <" + fg.Acronym + "-chairs@ietf.org>"
		st.TechnicalContacts = st.FromContact
		var cc []string
		if area := g.areaOf[from]; area != 0 {
			for _, ad := range g.roles[fmt.Sprintf("%d/ad", area)] {
				cc = append(cc, g.byID[ad].name+" <"+g.byID[ad].email+">")
			}
		}
		if fg.ListEmail != "" {
			cc = append(cc, strings.ToUpper(fg.Acronym[:1])+fg.Acronym[1:]+" Discussion List <"+fg.ListEmail+">")
		}
		st.CCContacts = strings.Join(cc, ",")
	}
	var b strings.Builder
	if gs.incoming {
		fmt.Fprintf(&b, "Dear colleagues,\r\n\r\n%s thanks the IETF for the continued cooperation on %s.", fromName, gs.topic)
	} else {
		fmt.Fprintf(&b, "The IETF %s thanks %s for the cooperation on %s.", fromName, g.m.groups.get(to).Name, gs.topic)
	}
	switch st.Purpose {
	case "action":
		b.WriteString("\r\n\r\nWe kindly ask you to review the attached document and to send us your comments before the deadline.")
	case "comment":
		b.WriteString("\r\n\r\nComments on the attached draft are welcome.")
	case "response":
		fmt.Fprintf(&b, "\r\n\r\nThis is the reply to your LS %q.", target.st.Title)
	default:
		b.WriteString("\r\n\r\nThis statement is for your information; no action is requested.")
	}
	b.WriteString("\r\n\r\nBest regards,\r\n" + fromName)
	st.Body = b.String()
}

func (g *generator) newContact() genPerson {
	first, last := genFirst[g.r.IntN(len(genFirst))], genLast[g.r.IntN(len(genLast))]
	return genPerson{name: first + " " + last, email: asciiLower(first) + "." + asciiLower(last) + "@example.com"}
}

// lifecycle sets the state and queues the events of a statement.
func (g *generator) lifecycle(gs *genStmt) {
	st := gs.st
	ev := func(typ string, at time.Time, by int64) {
		g.events = append(g.events, datatracker.Event{StatementID: st.ID, Type: typ, Time: at.Truncate(time.Second), By: by})
	}
	var submitter, approver int64
	if gs.incoming {
		submitter = g.holder(st.FromGroups[0], "liaiman").id
		approver = submitter
	} else {
		submitter = g.holder(st.FromGroups[0], "chair").id
		if submitter == 1 {
			submitter = g.holder(st.FromGroups[0], "ad").id
		}
		approver = g.holder(st.FromGroups[0], "ad").id
		if approver == 1 {
			approver = g.holder(st.FromGroups[0], "chair").id // ietf, iab: the chair approves (4053bis §4.1)
		}
	}
	ev("submitted", gs.at, submitter)
	posted := gs.at
	roll := g.r.IntN(100)
	switch {
	case gs.incoming:
		// Incoming statements are posted when entered (NOTES §3.3).
		posted = gs.at.Add(3 * time.Second)
		st.State = "posted"
		ev("posted", posted, submitter)
	case roll < 10:
		// "Obtained prior approval": posted at once.
		posted = gs.at.Add(2 * time.Second)
		st.State = "posted"
		ev("posted", posted, submitter)
	case roll < 86:
		wait := time.Duration(2+g.r.IntN(14*24-2)) * time.Hour
		posted = gs.at.Add(wait)
		st.State = "posted"
		ev("approved", posted, approver)
		ev("posted", posted.Add(time.Second), approver)
	case roll < 93:
		st.State = "pending"
		return
	default:
		st.State = "dead"
		ev("killed", gs.at.Add(time.Duration(1+g.r.IntN(20*24))*time.Hour), submitter)
		return
	}
	if g.r.IntN(100) < 6 {
		ev("modified", posted.Add(time.Duration(1+g.r.IntN(30*24))*time.Hour), 1)
	}
	if g.r.IntN(100) < 2 {
		g.events = append(g.events, datatracker.Event{StatementID: st.ID, Type: "comment", Time: posted.Add(48 * time.Hour).Truncate(time.Second),
			By: 1, Desc: "Reply received by e-mail; recorded by the Secretariat."})
	}
	if g.r.IntN(100) < 1 {
		// Private comments show in the API too (NOTES §2.1): never announce.
		g.events = append(g.events, datatracker.Event{StatementID: st.ID, Type: "private_comment", Time: posted.Add(72 * time.Hour).Truncate(time.Second),
			By: 1, Desc: "Checked with the sender."})
	}
}

func (g *generator) attachments(gs *genStmt) {
	st := gs.st
	k := 0
	switch r := g.r.IntN(100); {
	case r < 35:
	case r < 80:
		k = 1
	case r < 95:
		k = 2
	default:
		k = 3
	}
	var from, to []string
	for _, id := range st.FromGroups {
		from = append(from, g.acr(id))
	}
	for _, id := range st.ToGroups {
		to = append(to, g.acr(id))
	}
	// LiaisonStatement.name(): liaison-<submitted>-<from>-<to>-<title>.
	base := fmt.Sprintf("liaison-%s-%s-%s-%s", gs.at.Format(time.DateOnly), cut(strings.Join(from, "-"), 50),
		cut(strings.Join(to, "-"), 50), cut(slug(st.Title), 115))
	for j := 1; j <= k; j++ {
		name := fmt.Sprintf("%s-attachment-%d", base, j)
		for g.m.doc(name) != nil {
			name += "-x"
		}
		ext := []string{".pdf", ".docx", ".zip", ".pdf"}[g.r.IntN(4)]
		title := fmt.Sprintf("Attachment %d: %s", j, st.Title)
		if gs.incoming && j == 1 {
			title = st.OtherIdentifiers + " " + st.Title
		}
		id := g.m.addAttachment(st.ID, name, title, name+ext, 0)
		if d := g.m.doc(name); d != nil {
			d.Time = gs.at
		}
		if g.r.IntN(50) == 0 {
			g.m.atts.get(id).Removed = true
		}
	}
}

func cut(s string, n int) string {
	if len(s) > n {
		return strings.TrimRight(s[:n], "-")
	}
	return s
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

var asciiFold = strings.NewReplacer("ö", "o", "ä", "a", "å", "a", "é", "e", "á", "a", "í", "i", "ó", "o", "ú", "u", "ç", "c", "ü", "u", "ø", "o")

func asciiName(s string) string { return asciiFold.Replace(s) }

func asciiLower(s string) string { return strings.ToLower(asciiFold.Replace(s)) }
