package dtfake

import (
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// table keeps records by id, in id order.
type table[T any] struct {
	byID map[int64]*T
	ids  []int64 // sorted
}

func newTable[T any]() table[T] { return table[T]{byID: map[int64]*T{}} }

func (t *table[T]) put(id int64, v *T) {
	if _, ok := t.byID[id]; !ok {
		i, _ := slices.BinarySearch(t.ids, id)
		t.ids = slices.Insert(t.ids, i, id)
	}
	t.byID[id] = v
}

func (t *table[T]) get(id int64) *T { return t.byID[id] }

func (t *table[T]) remove(id int64) {
	if _, ok := t.byID[id]; !ok {
		return
	}
	delete(t.byID, id)
	if i, ok := slices.BinarySearch(t.ids, id); ok {
		t.ids = slices.Delete(t.ids, i, i+1)
	}
}

func (t *table[T]) maxID() int64 {
	if len(t.ids) == 0 {
		return 0
	}
	return t.ids[len(t.ids)-1]
}

// from returns the records with id > after, in id order.
func (t *table[T]) from(after int64) []*T {
	i := sort.Search(len(t.ids), func(i int) bool { return t.ids[i] > after })
	out := make([]*T, 0, len(t.ids)-i)
	for _, id := range t.ids[i:] {
		out = append(out, t.byID[id])
	}
	return out
}

// The fake's records: the client's types plus the fields the API shows that
// the client does not read.

type groupRec struct {
	datatracker.Group
	Charter       string // document name, "" for null
	Comments      string
	Description   string
	ListArchive   string
	ListSubscribe string
	Time          time.Time
}

type personRec struct {
	datatracker.Person
	Time time.Time
}

type emailRec struct {
	Address  string
	PersonID int64
	Origin   string
	Primary  bool
	Active   bool
	Time     time.Time
}

type stmtRec struct{ datatracker.Statement }
type eventRec struct{ datatracker.Event }
type attRec struct{ datatracker.Attachment }
type relRec struct{ datatracker.Related }
type roleRec struct{ datatracker.Role }

type docRec struct {
	datatracker.Document
	Abstract string
	Time     time.Time
}

type docRelRec struct{ datatracker.DocRelation }

// model is the fake Datatracker's data. All access holds Server.mu.
type model struct {
	groups     table[groupRec]
	persons    table[personRec]
	emails     map[string]*emailRec
	emailOrder []string
	roles      table[roleRec]
	statements table[stmtRec]
	events     table[eventRec]
	atts       table[attRec]
	attsOf     map[int64][]int64 // statement id -> attachment ids
	related    table[relRec]
	docs       table[docRec]
	docByName  map[string]int64
	docRels    table[docRelRec]

	actor    int64
	clock    func() time.Time
	lastTime time.Time
}

func newModel() *model {
	return &model{
		groups: newTable[groupRec](), persons: newTable[personRec](), emails: map[string]*emailRec{},
		roles: newTable[roleRec](), statements: newTable[stmtRec](), events: newTable[eventRec](),
		atts: newTable[attRec](), attsOf: map[int64][]int64{}, related: newTable[relRec](),
		docs: newTable[docRec](), docByName: map[string]int64{}, docRels: newTable[docRelRec](),
		actor:    1,
		lastTime: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC),
	}
}

// now is the time of a new event: the clock if set, else one minute after
// the latest event, so times grow with event ids.
func (m *model) now() time.Time {
	if m.clock != nil {
		t := m.clock().UTC().Truncate(time.Second)
		m.lastTime = maxTime(m.lastTime, t)
		return t
	}
	m.lastTime = m.lastTime.Add(time.Minute)
	return m.lastTime
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (m *model) groupByAcronym(acr string) *groupRec {
	for _, id := range m.groups.ids {
		if g := m.groups.byID[id]; g.Acronym == acr {
			return g
		}
	}
	return nil
}

func (m *model) addGroup(g groupRec) int64 {
	if g.ID == 0 {
		g.ID = m.groups.maxID() + 1
	}
	if g.State == "" {
		g.State = "active"
	}
	if g.Description == "" {
		g.Description = "No description available"
	}
	if g.Time.IsZero() {
		g.Time = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	m.groups.put(g.ID, &g)
	return g.ID
}

func (m *model) addPerson(p personRec) int64 {
	if p.ID == 0 {
		p.ID = max(m.persons.maxID()+1, 100000)
	}
	if p.ASCII == "" {
		p.ASCII = p.Name
	}
	if p.Time.IsZero() {
		p.Time = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	m.persons.put(p.ID, &p)
	return p.ID
}

func (m *model) addEmail(e emailRec) {
	if _, ok := m.emails[e.Address]; !ok {
		m.emailOrder = append(m.emailOrder, e.Address)
	}
	if e.Time.IsZero() {
		e.Time = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	m.emails[e.Address] = &e
}

func (m *model) addRole(r datatracker.Role) int64 {
	if r.ID == 0 {
		r.ID = m.roles.maxID() + 1
	}
	m.roles.put(r.ID, &roleRec{r})
	if r.Email != "" {
		if _, ok := m.emails[r.Email]; !ok {
			origin := "role"
			if g := m.groups.get(r.GroupID); g != nil {
				origin = fmt.Sprintf("role: %s/%s", g.Acronym, r.Name)
			}
			m.addEmail(emailRec{Address: r.Email, PersonID: r.PersonID, Origin: origin, Active: true})
		}
	}
	return r.ID
}

func (m *model) addDocument(d docRec) int64 {
	if old, ok := m.docByName[d.Name]; ok && d.ID == 0 {
		d.ID = old
	}
	if d.ID == 0 {
		d.ID = max(m.docs.maxID()+1, 10000)
	}
	if d.Time.IsZero() {
		d.Time = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	m.docs.put(d.ID, &d)
	m.docByName[d.Name] = d.ID
	return d.ID
}

func (m *model) doc(name string) *docRec {
	id, ok := m.docByName[name]
	if !ok {
		return nil
	}
	return m.docs.get(id)
}

// addAttachment links a statement to a liai-att document, creating the
// document if needed.
func (m *model) addAttachment(stmt int64, docName, title, filename string, id int64) int64 {
	if m.doc(docName) == nil {
		if title == "" {
			title = docName
		}
		m.addDocument(docRec{Document: datatracker.Document{Name: docName, Title: title, Type: "liai-att", UploadedFilename: filename}})
	}
	if id == 0 {
		id = max(m.atts.maxID()+1, 1000)
	}
	m.atts.put(id, &attRec{datatracker.Attachment{ID: id, StatementID: stmt, Document: docName}})
	m.attsOf[stmt] = append(m.attsOf[stmt], id)
	slices.Sort(m.attsOf[stmt])
	return id
}

func (m *model) attachmentNames(stmt int64) []string {
	var out []string
	for _, id := range m.attsOf[stmt] {
		out = append(out, m.atts.get(id).Document)
	}
	return out
}

// addEvent records an event; id 0 takes the next id, a zero time now().
func (m *model) addEvent(e datatracker.Event) int64 {
	if e.ID == 0 {
		e.ID = max(m.events.maxID()+1, 1)
	}
	if e.Time.IsZero() {
		e.Time = m.now()
	} else {
		m.lastTime = maxTime(m.lastTime, e.Time)
	}
	if e.By == 0 {
		e.By = m.actor
	}
	if e.Desc == "" {
		e.Desc = "Statement " + eventTypeName(e.Type)
	}
	m.events.put(e.ID, &eventRec{e})
	return e.ID
}

func eventTypeName(t string) string {
	if t == "resent" {
		return "Resent" // the description reads "Statement Resent" (NOTES §2.1)
	}
	for _, n := range nameTables["liaisonstatementeventtypename"] {
		if n.slug == t {
			return n.name
		}
	}
	if t == "" {
		return ""
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

func (m *model) mustStatement(id int64) *stmtRec {
	s := m.statements.get(id)
	if s == nil {
		panic(fmt.Sprintf("dtfake: no statement %d", id))
	}
	return s
}

// normalise fills the derived fields of a statement as the Datatracker's
// save does: a deadline without "taken" carries the tag "required" (NOTES
// §1.3).
func normalise(st *datatracker.Statement) {
	if st.Deadline == "" && st.DeadlineDate != nil {
		st.Deadline = st.DeadlineDate.Format(time.DateOnly)
	}
	if st.Deadline != "" && st.DeadlineDate == nil {
		if t, err := time.Parse(time.DateOnly, st.Deadline); err == nil {
			st.DeadlineDate = &t
		}
	}
	if st.Purpose == "" {
		st.Purpose = "info"
	}
	if st.State == "" {
		st.State = "pending"
	}
	if st.Deadline != "" && !slices.Contains(st.Tags, "taken") && !slices.Contains(st.Tags, "required") {
		st.Tags = append(st.Tags, "required")
	}
	st.Raw = nil
}

// storeStatement stores st (its Attachments are created as attachment
// records if missing).
func (m *model) storeStatement(st datatracker.Statement) {
	names := st.Attachments
	st.Attachments = nil
	normalise(&st)
	m.statements.put(st.ID, &stmtRec{st})
	have := m.attachmentNames(st.ID)
	for _, n := range names {
		if !slices.Contains(have, n) {
			m.addAttachment(st.ID, n, "", "", 0)
		}
	}
}

// mailboxAddress extracts the address of a mailbox for the old
// from_contact shape.
func mailboxAddress(mb string) string {
	if a, err := mail.ParseAddress(mb); err == nil {
		return a.Address
	}
	return strings.Trim(strings.TrimSpace(mb), "<>")
}
