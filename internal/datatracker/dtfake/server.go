// Package dtfake is a fake IETF Datatracker for tests: an httptest server
// that serves the same tastypie v1 JSON shapes as the real API
// (datatracker/NOTES.md §2) from an in-memory model, with mutators to make
// things happen (a statement submitted, posted, modified, killed) and fault
// injection (5xx, hangs, malformed JSON, HTML pages, rate limiting).
//
// Query support is what liaisonbot uses: field lookups (exact, in, gt, gte,
// lt, lte, contains, icontains, startswith, isnull) on the filterable fields
// of each resource, including group lookups such as to_groups__acronym and
// group__acronym; order_by=id and -id; limit/offset paging with tastypie's
// meta and next links (other parameters kept in request order, limit and
// offset appended last; default limit 20, at most 1000, limit=0 meaning
// 1000); detail URLs /api/v1/<app>/<resource>/<key>/ with 404 for unknown
// objects. Unlike tastypie, which ignores unknown parameters, the fake
// answers 400 to a filter it does not know, so a client typo shows up in
// tests instead of silently matching everything.
//
// Mutators panic on programming errors (an unknown statement id, a
// duplicate id), like httptest does.
package dtfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// Fault is a failure the server injects instead of answering.
type Fault int

const (
	// Fault500 answers 500 with Django's HTML error page.
	Fault500 Fault = iota + 1
	// FaultTimeout hangs until the client gives up (the request's context
	// ends) or the server is closed.
	FaultTimeout
	// FaultMalformedJSON answers 200 with truncated JSON.
	FaultMalformedJSON
	// FaultHTMLPage answers 200 with an HTML page (a proxy's or
	// maintenance page).
	FaultHTMLPage
	// FaultRateLimit answers 429 with a Retry-After header.
	FaultRateLimit
	// FaultNotFound answers 404 with an empty body, as tastypie does for
	// an unknown detail key (e.g. a replica that has not caught up yet).
	FaultNotFound
)

func (f Fault) String() string {
	switch f {
	case Fault500:
		return "500"
	case FaultTimeout:
		return "timeout"
	case FaultMalformedJSON:
		return "malformed JSON"
	case FaultHTMLPage:
		return "HTML page"
	case FaultRateLimit:
		return "rate limit"
	case FaultNotFound:
		return "404"
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Server is a fake Datatracker. Its methods are safe for concurrent use.
type Server struct {
	mu                sync.Mutex
	m                 *model
	ts                *httptest.Server
	done              chan struct{}
	closeOnce         sync.Once
	faults            []Fault
	pathFaults        []pathFault
	notFoundGroups    map[int64]bool
	retryAfter        string
	legacyFromContact bool
	log               []string

	requests atomic.Int64
	bytes    atomic.Int64
}

// New returns a fake Datatracker with no data; Start it to serve.
func New() *Server {
	return &Server{m: newModel(), done: make(chan struct{}), notFoundGroups: map[int64]bool{}, retryAfter: "7"}
}

// Start starts serving on a local port.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts == nil {
		s.ts = httptest.NewServer(s)
	}
}

// Close stops the server, releasing hanging requests first.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	ts := s.ts
	s.mu.Unlock()
	if ts != nil {
		ts.Close()
	}
}

// URL is the base URL to give datatracker.New ("" before Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Client returns a datatracker client for this server.
func (s *Server) Client(opts ...datatracker.Option) *datatracker.Client {
	return datatracker.New(s.URL(), opts...)
}

// FailNext makes the next n requests fail with f (after any faults already
// queued).
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// ClearFaults drops the faults still queued: the Datatracker is well again.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.pathFaults = nil, nil
}

// pathFault is a fault for the next request whose path starts with prefix.
type pathFault struct {
	prefix string
	fault  Fault
}

// FailNextAt makes the next n requests whose path starts with prefix fail
// with f (e.g. "/api/v1/liaisons/liaisonstatement/7/": only the detail of
// statement 7); other requests are answered normally.
func (s *Server) FailNextAt(prefix string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.pathFaults = append(s.pathFaults, pathFault{prefix, f})
	}
}

// StatementPath is the detail path of a statement, for FailNextAt.
func StatementPath(id int64) string {
	return "/api/v1/liaisons/liaisonstatement/" + strconv.FormatInt(id, 10) + "/"
}

// Fail404Group makes the detail URL of group id answer 404 (the group stays
// in lists).
func (s *Server) Fail404Group(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notFoundGroups[id] = true
}

// SetRetryAfter sets the Retry-After header of FaultRateLimit (default "7").
func (s *Server) SetRetryAfter(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = v
}

// SetLegacyFromContact serves from_contact in the pre-June-2025 shape: an
// e-mail resource URI "/api/v1/person/email/<addr>/", or null.
func (s *Server) SetLegacyFromContact(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.legacyFromContact = on
}

// Requests returns the request log: path?query of every request, faults
// included.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetRequests clears the request log (not the counters).
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// RequestCount is the number of requests received.
func (s *Server) RequestCount() int64 { return s.requests.Load() }

// BytesServed is the number of response body bytes written.
func (s *Server) BytesServed() int64 { return s.bytes.Load() }

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	s.log = append(s.log, r.URL.RequestURI())
	var fault Fault
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	} else {
		for i, pf := range s.pathFaults {
			if strings.HasPrefix(r.URL.Path, pf.prefix) {
				fault = pf.fault
				s.pathFaults = slices.Delete(s.pathFaults, i, i+1)
				break
			}
		}
	}
	retryAfter := s.retryAfter
	s.mu.Unlock()

	switch fault {
	case Fault500:
		s.write(w, http.StatusInternalServerError, "text/html", []byte("<!doctype html>\n<html lang=\"en\">\n<head><title>Server Error (500)</title></head>\n<body><h1>Server Error (500)</h1><p></p></body>\n</html>\n"))
		return
	case FaultTimeout:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case FaultMalformedJSON:
		s.write(w, http.StatusOK, "application/json", []byte(`{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 1}, "objects": [{"id": 1, "title": "LS on`))
		return
	case FaultHTMLPage:
		s.write(w, http.StatusOK, "text/html; charset=utf-8", []byte("<!DOCTYPE html>\n<html><head><title>IETF Datatracker</title></head>\n<body><h1>The Datatracker is down for maintenance</h1><p>Please try again later.</p></body></html>\n"))
		return
	case FaultNotFound:
		s.write(w, http.StatusNotFound, "text/html; charset=utf-8", nil)
		return
	case FaultRateLimit:
		w.Header().Set("Retry-After", retryAfter)
		s.write(w, http.StatusTooManyRequests, "text/plain; charset=utf-8", []byte("Too Many Requests\n"))
		return
	}

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.write(w, http.StatusMethodNotAllowed, "text/plain", []byte("read-only API\n"))
		return
	}
	status, body := s.answer(r)
	if status == http.StatusNotFound {
		s.write(w, status, "text/html; charset=utf-8", body)
		return
	}
	s.write(w, status, "application/json", body)
}

func (s *Server) write(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	n, _ := w.Write(body)
	s.bytes.Add(int64(n))
}

func jsonBody(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func errorBody(msg string) []byte { return jsonBody(map[string]any{"error": msg}) }

// answer routes /api/v1/<app>/<resource>/[<key>/].
func (s *Server) answer(r *http.Request) (int, []byte) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/")
	if !ok {
		return http.StatusNotFound, []byte("<h1>Not Found</h1>")
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 {
		return http.StatusNotFound, []byte("<h1>Not Found</h1>")
	}
	res := resources[parts[0]+"/"+parts[1]]
	if res == nil {
		return http.StatusNotFound, []byte("<h1>Not Found</h1>")
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "json" {
		return http.StatusBadRequest, errorBody("dtfake serves format=json only")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(parts) == 3 {
		obj, ok := res.detail(s, parts[2])
		if !ok {
			return http.StatusNotFound, nil // tastypie's HttpNotFound has an empty body
		}
		return http.StatusOK, jsonBody(obj.render(s))
	}
	return s.list(res, "/api/v1/"+parts[0]+"/"+parts[1]+"/", r.URL.RawQuery)
}

// list answers a list request with tastypie's envelope and paging.
func (s *Server) list(res *resource, path, rawQuery string) (int, []byte) {
	ps, err := parseQuery(rawQuery)
	if err != nil {
		return http.StatusBadRequest, errorBody(err.Error())
	}
	filters, err := parseFilters(res, ps)
	if err != nil {
		return http.StatusBadRequest, errorBody(err.Error())
	}
	last := func(k string) (string, bool) {
		v, ok := "", false
		for _, p := range ps {
			if p.key == k {
				v, ok = p.value, true
			}
		}
		return v, ok
	}
	limit := 20
	if v, ok := last("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return http.StatusBadRequest, errorBody(fmt.Sprintf("Invalid limit '%s' provided. Please provide a positive integer.", v))
		}
		limit = n
	}
	if limit == 0 || limit > datatracker.MaxPageSize {
		limit = datatracker.MaxPageSize
	}
	offset := 0
	if v, ok := last("offset"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return http.StatusBadRequest, errorBody(fmt.Sprintf("Invalid offset '%s' provided. Please provide a positive integer >= 0.", v))
		}
		offset = n
	}
	order := ""
	if v, ok := last("order_by"); ok {
		if (v != "id" && v != "-id") || !res.orderByID {
			return http.StatusBadRequest, errorBody(fmt.Sprintf("No matching '%s' field for ordering on.", strings.TrimPrefix(v, "-")))
		}
		order = v
	}

	// id__gt and id__gte narrow the scan (records are kept in id order).
	var after int64
	for _, f := range filters {
		if f.field == "id" && (f.op == "gt" || f.op == "gte") {
			if n, err := strconv.ParseInt(f.values[0], 10, 64); err == nil {
				if f.op == "gte" {
					n--
				}
				after = max(after, n)
			}
		}
	}
	var matched []rec
	for _, r := range res.list(s, after) {
		ok := true
		for _, f := range filters {
			vals, _ := res.field(s, r, f.field)
			if !f.match(vals) {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, r)
		}
	}
	switch {
	case order == "-id":
		slices.Reverse(matched)
	case order == "" && res.defaultOrder != nil:
		res.defaultOrder(s, matched)
	}

	total := len(matched)
	lo := min(offset, total)
	hi := min(lo+limit, total)
	objects := make([]any, 0, hi-lo)
	for _, r := range matched[lo:hi] {
		objects = append(objects, r.render(s))
	}
	var next, previous any
	if offset+limit < total {
		next = pageURI(path, ps, limit, offset+limit)
	}
	if offset > 0 {
		previous = pageURI(path, ps, limit, max(offset-limit, 0))
	}
	return http.StatusOK, jsonBody(map[string]any{
		"meta": map[string]any{
			"limit": limit, "next": next, "offset": offset, "previous": previous, "total_count": total,
		},
		"objects": objects,
	})
}

// pageURI builds a next/previous link as tastypie's Paginator does: the
// request's parameters in order without limit and offset, then limit and
// offset (Django's QueryDict.urlencode, so a comma is %2C).
func pageURI(path string, ps []param, limit, offset int) string {
	var b strings.Builder
	b.WriteString(path)
	b.WriteByte('?')
	for _, p := range ps {
		if p.key == "limit" || p.key == "offset" {
			continue
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
		b.WriteByte('&')
	}
	fmt.Fprintf(&b, "limit=%d&offset=%d", limit, offset)
	return b.String()
}

// --- mutators ---

// SetClock sets the clock for new events (default: one minute after the
// latest event, so times grow with ids).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.clock = now
}

// SetActor sets the person id recorded as "by" in new events (default 1,
// the Datatracker's "(System)" person).
func (s *Server) SetActor(personID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.actor = personID
}

// AddGroup adds or replaces a group; ID 0 takes the next id. Returns the id.
func (s *Server) AddGroup(g datatracker.Group) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := groupRec{Group: g}
	if g.Type == "wg" || g.Type == "rg" {
		rec.Charter = "charter-ietf-" + g.Acronym
		if g.ListEmail != "" {
			rec.ListArchive = "https://mailarchive.ietf.org/arch/browse/" + g.Acronym + "/"
			rec.ListSubscribe = "https://www.ietf.org/mailman/listinfo/" + g.Acronym
		}
	}
	return s.m.addGroup(rec)
}

// AddPerson adds or replaces a person; ID 0 takes the next id.
func (s *Server) AddPerson(p datatracker.Person) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.addPerson(personRec{Person: p})
}

// AddRole adds or replaces a role (and an e-mail record for its address);
// ID 0 takes the next id.
func (s *Server) AddRole(r datatracker.Role) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.addRole(r)
}

// AddDocument adds or replaces a document (by name).
func (s *Server) AddDocument(d datatracker.Document) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.addDocument(docRec{Document: d})
}

// RelateDocuments records a document relation, e.g. (draft, "rfc9110",
// "became_rfc").
func (s *Server) RelateDocuments(source, target, relationship string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := max(s.m.docRels.maxID()+1, 1)
	s.m.docRels.put(id, &docRelRec{datatracker.DocRelation{ID: id, Source: source, Target: target, Relationship: relationship}})
	return id
}

// AddStatement records a statement as the Datatracker's forms do and
// returns its id (ID 0 takes the next id). State defaults to pending, with
// a submitted event; a statement added as approved, posted or dead also
// gets that event (an incoming statement is submitted and posted at once).
// Names in Attachments become attachment records (and liai-att documents).
// A deadline without the tag "taken" gets the tag "required".
func (s *Server) AddStatement(st datatracker.Statement) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.ID == 0 {
		st.ID = s.m.statements.maxID() + 1
	} else if s.m.statements.get(st.ID) != nil {
		panic(fmt.Sprintf("dtfake: statement %d exists", st.ID))
	}
	s.m.storeStatement(st)
	state := s.m.statements.get(st.ID).State
	s.m.addEvent(datatracker.Event{StatementID: st.ID, Type: "submitted"})
	switch state {
	case "approved":
		s.m.addEvent(datatracker.Event{StatementID: st.ID, Type: "approved"})
	case "posted":
		s.m.addEvent(datatracker.Event{StatementID: st.ID, Type: "posted"})
	case "dead":
		s.m.addEvent(datatracker.Event{StatementID: st.ID, Type: "killed"})
	}
	return st.ID
}

// AddAttachment attaches a new liai-att document to a statement, with an
// "Added attachment" modified event, and returns the document name.
func (s *Server) AddAttachment(statementID int64, title, uploadedFilename string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.mustStatement(statementID)
	n := len(s.m.attsOf[statementID]) + 1
	name := fmt.Sprintf("liaison-%d-attachment-%d", statementID, n)
	for s.m.doc(name) != nil {
		n++
		name = fmt.Sprintf("liaison-%d-attachment-%d", statementID, n)
	}
	s.m.addAttachment(statementID, name, title, uploadedFilename, 0)
	s.m.addEvent(datatracker.Event{StatementID: statementID, Type: "modified", Desc: "Added attachment: " + title})
	return name
}

// RemoveAttachment marks an attachment removed (it stays in the
// statement's attachments list, as in the Datatracker).
func (s *Server) RemoveAttachment(attachmentID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.m.atts.get(attachmentID)
	if a == nil {
		panic(fmt.Sprintf("dtfake: no attachment %d", attachmentID))
	}
	a.Removed = true
	s.m.addEvent(datatracker.Event{StatementID: a.StatementID, Type: "modified", Desc: "Removed attachment: " + a.Document})
}

func (s *Server) transition(id int64, state, event string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.m.mustStatement(id)
	st.State = state
	return s.m.addEvent(datatracker.Event{StatementID: id, Type: event})
}

// Approve sets a statement approved and appends an approved event; returns
// the event id.
func (s *Server) Approve(id int64) int64 { return s.transition(id, "approved", "approved") }

// Post sets a statement posted and appends a posted event with the next
// event id; returns the event id.
func (s *Server) Post(id int64) int64 { return s.transition(id, "posted", "posted") }

// Kill sets a statement dead and appends a killed event.
func (s *Server) Kill(id int64) int64 { return s.transition(id, "dead", "killed") }

// Resurrect sets a dead statement pending and appends a resurrected event.
func (s *Server) Resurrect(id int64) int64 { return s.transition(id, "pending", "resurrected") }

// Modify edits a statement with fn (its id cannot change) and appends a
// modified event; returns the event id.
func (s *Server) Modify(id int64, fn func(*datatracker.Statement)) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.change(id, fn)
	return s.m.addEvent(datatracker.Event{StatementID: id, Type: "modified"})
}

// AddEvent appends an event of any type (e.g. "comment", "resent") to a
// statement; desc "" gives "Statement <Type>". Returns the event id.
func (s *Server) AddEvent(statementID int64, typ, desc string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.mustStatement(statementID)
	return s.m.addEvent(datatracker.Event{StatementID: statementID, Type: typ, Desc: desc})
}

// Relate records that source refers to target (relationship "refold", as
// the web form does; a reply refers to what it answers). Returns the
// relation id.
func (s *Server) Relate(source, target int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.mustStatement(source)
	s.m.mustStatement(target)
	id := max(s.m.related.maxID()+1, 1)
	s.m.related.put(id, &relRec{datatracker.Related{ID: id, Source: source, Target: target, Relationship: "refold"}})
	return id
}

// SetTag adds a tag to a statement. "taken" replaces "required", as "Mark
// as action taken" does. No event is recorded (the Datatracker records
// none either).
func (s *Server) SetTag(id int64, tag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.m.mustStatement(id)
	if tag == "taken" {
		st.Tags = slices.DeleteFunc(st.Tags, func(t string) bool { return t == "required" })
	}
	if !slices.Contains(st.Tags, tag) {
		st.Tags = append(st.Tags, tag)
	}
}

// Change edits a statement with fn WITHOUT recording an event, as the
// Datatracker does for "Mark as action taken" (liaison_detail in
// https://github.com/ietf-tools/datatracker/blob/main/ietf/liaisons/views.py
// only removes the tag "required" and adds "taken"; no
// LiaisonStatementEvent is created) and for other edits made outside the
// event-recording paths (tags, deadline, state). Its id cannot change.
func (s *Server) Change(id int64, fn func(*datatracker.Statement)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.change(id, fn)
}

// change edits statement id with fn (s.mu held); whichever deadline field
// fn changed wins.
func (s *Server) change(id int64, fn func(*datatracker.Statement)) {
	st := s.m.mustStatement(id)
	c := st.Statement
	c.FromGroups = slices.Clone(c.FromGroups)
	c.ToGroups = slices.Clone(c.ToGroups)
	c.Tags = slices.Clone(c.Tags)
	c.Attachments = s.m.attachmentNames(id)
	fn(&c)
	c.ID = id
	switch {
	case c.Deadline != st.Deadline:
		c.DeadlineDate = nil
	case !sameDate(c.DeadlineDate, st.DeadlineDate):
		c.Deadline = ""
	}
	s.m.storeStatement(c)
}

// Unrelate removes a relation (no event: relations are edited through the
// statement's form, which records none for them).
func (s *Server) Unrelate(relationID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.related.remove(relationID)
}

// Statement returns the fake's copy of a statement.
func (s *Server) Statement(id int64) (datatracker.Statement, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.m.statements.get(id)
	if st == nil {
		return datatracker.Statement{}, false
	}
	c := st.Statement
	c.Attachments = s.m.attachmentNames(id)
	return c, true
}

// LastEventID is the highest event id (0 if none).
func (s *Server) LastEventID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.events.maxID()
}

// Counts returns how many statements and events the fake holds.
func (s *Server) Counts() (statements, events int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m.statements.ids), len(s.m.events.ids)
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
