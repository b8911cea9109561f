// Package zulipfake is an in-process fake Zulip server for tests. Every
// request it receives and every response it sends is validated against
// the Zulip API contract in testdata/zulip-contract.json (cut from Zulip's
// official OpenAPI description, Zulip 10.2, by tools/zulipcontract) with
// kin-openapi; a request or response that does not match is a
// violation: the fake records it and answers 400, and New's t.Cleanup
// fails the test. Server rules the description cannot express (missing
// topic, topic and content length, empty content: NOTES §2 gotcha 15) are
// enforced by the handlers.
//
// The model is small: users (with roles and API keys), channels with
// subscribers, stream and direct messages, reactions, and event queues
// that long-poll with heartbeats. Tests drive it through Post, DM, React,
// Unreact, ExpireQueue and FailNext, and read what the bot did through
// Messages and Requests.
package zulipfake

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Zulip limits (10.2 defaults; NOTES §3.5).
const (
	MaxTopicLength   = 60
	MaxMessageLength = 10000
	FeatureLevel     = 372
)

// Roles (NOTES §3.8).
const (
	RoleOwner     = 100
	RoleAdmin     = 200
	RoleModerator = 300
	RoleMember    = 400
	RoleGuest     = 600
)

// Emoji is the fake's emoji table: name -> Unicode code point(s), as in
// Zulip's emoji_codes (✅ is "check", code 2705; ❌ "cross_mark", 274c).
var Emoji = map[string]string{
	"check": "2705", "approved": "2705", "all_good": "2705",
	"cross_mark": "274c", "x": "274e", "check_mark": "2714",
	"+1": "1f44d", "thumbs_up": "1f44d", "eyes": "1f440",
	"heart": "2764", "tada": "1f389", "smile": "1f604",
}

// User is a Zulip account.
type User struct {
	ID            int
	Email         string
	DeliveryEmail string // "" means null (hidden)
	FullName      string
	Role          int
	IsBot         bool
	APIKey        string
}

// Message is a message on the fake server.
type Message struct {
	ID          int
	Stream      string // "" for a direct message
	StreamID    int
	Topic       string
	Content     string
	SenderID    int
	SenderEmail string
	Recipients  []int // direct messages: every participant, sender included
	Timestamp   int64
	Reactions   []Reaction
	Edited      bool
}

// Reaction is one user's emoji on a message.
type Reaction struct {
	UserID int
	Name   string
	Code   string
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Form   map[string][]string
	User   string
	Time   time.Time
	Status int
}

type stream struct {
	ID   int
	Name string
	Subs map[int]bool
}

type queue struct {
	ID         string
	UserID     int
	Types      map[string]bool
	Events     []map[string]any
	NextID     int
	LastAccess time.Time
}

// Server is the fake.
type Server struct {
	// Heartbeat is how long GET /events blocks before answering with a
	// heartbeat (the real server: about 45 s).
	Heartbeat time.Duration
	// EditLimit is the realm's message_content_edit_limit_seconds: a
	// message's content can be edited only this long after it was sent,
	// plus a 20 s grace, else "The time limit for editing this message has
	// passed" (zerver/actions/message_edit.py). Zulip's default is 10
	// minutes (https://zulip.com/help/restrict-message-editing); 0 is
	// unlimited.
	EditLimit time.Duration

	srv *httptest.Server
	val *validator

	mu         sync.Mutex
	wake       chan struct{} // closed and replaced when an event is queued
	users      map[int]*User
	byEmail    map[string]*User
	streams    map[string]*stream
	msgs       []*Message
	msgByID    map[int]*Message
	queues     map[string]*queue
	dmRecip    map[string]int
	nextUser   int
	nextStream int
	nextMsg    int
	violations []string
	requests   []Request
	failN      int
	failStatus int
	retryAfter float64
	failPath   string
}

// New starts a fake Zulip server; it stops, and the test fails if any
// request or response violated the OpenAPI description, when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			t.Errorf("zulipfake: OpenAPI violation: %s", v)
		}
	})
	return s
}

// Start starts a fake without a test (call Close).
func Start() (*Server, error) {
	val, err := loadValidator()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Heartbeat:  2 * time.Second,
		EditLimit:  10 * time.Minute,
		val:        val,
		wake:       make(chan struct{}),
		users:      map[int]*User{},
		byEmail:    map[string]*User{},
		streams:    map[string]*stream{},
		msgByID:    map[int]*Message{},
		queues:     map[string]*queue{},
		dmRecip:    map[string]int{},
		nextUser:   8,
		nextStream: 1,
		nextMsg:    100,
		retryAfter: 1,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// URL is the site URL (without /api/v1).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Violations lists the requests and responses that did not match the
// OpenAPI description.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// ResetViolations forgets the violations so far (for tests that provoke
// them on purpose).
func (s *Server) ResetViolations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = nil
}

// Requests lists the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// AddUser adds a human account; role is one of the Role constants.
func (s *Server) AddUser(email, name string, role int) *User {
	return s.addUser(email, name, role, false)
}

// AddBot adds a bot account (a Generic bot, role member).
func (s *Server) AddBot(email, name string) *User {
	return s.addUser(email, name, RoleMember, true)
}

func (s *Server) addUser(email, name string, role int, bot bool) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUser++
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	u := &User{ID: s.nextUser, Email: email, DeliveryEmail: email, FullName: name, Role: role, IsBot: bot, APIKey: hex.EncodeToString(key)}
	s.users[u.ID] = u
	s.byEmail[strings.ToLower(email)] = u
	return u
}

// User returns the account with email.
func (s *Server) User(email string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byEmail[strings.ToLower(email)]
}

// SetDeliveryEmail sets a user's delivery_email ("" = hidden, null).
func (s *Server) SetDeliveryEmail(email, delivery string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byEmail[strings.ToLower(email)]; u != nil {
		u.DeliveryEmail = delivery
	}
}

// AddStream creates a channel (if missing) and subscribes the users.
func (s *Server) AddStream(name string, subscribers ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ensureStream(name)
	for _, e := range subscribers {
		if u := s.byEmail[strings.ToLower(e)]; u != nil {
			st.Subs[u.ID] = true
		}
	}
	return st.ID
}

// Subscribed reports whether the user is subscribed to the channel.
func (s *Server) Subscribed(email, streamName string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[strings.ToLower(streamName)]
	u := s.byEmail[strings.ToLower(email)]
	return st != nil && u != nil && st.Subs[u.ID]
}

func (s *Server) ensureStream(name string) *stream {
	if st := s.streams[strings.ToLower(name)]; st != nil {
		return st
	}
	s.nextStream++
	st := &stream{ID: s.nextStream, Name: name, Subs: map[int]bool{}}
	s.streams[strings.ToLower(name)] = st
	return st
}

// Post sends a channel message as fromEmail (as a test driver, not over
// HTTP) and returns its ID.
func (s *Server) Post(fromEmail, streamName, topic, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(fromEmail)
	st := s.ensureStream(streamName)
	return s.post(&Message{Stream: st.Name, StreamID: st.ID, Topic: topic, Content: text, SenderID: u.ID, SenderEmail: u.Email})
}

// DM sends a direct message from fromEmail to every bot account.
func (s *Server) DM(fromEmail, text string) int {
	s.mu.Lock()
	var bots []string
	for _, u := range s.users {
		if u.IsBot {
			bots = append(bots, u.Email)
		}
	}
	s.mu.Unlock()
	return s.DMTo(fromEmail, bots, text)
}

// DMTo sends a direct message from fromEmail to the given users.
func (s *Server) DMTo(fromEmail string, to []string, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(fromEmail)
	ids := map[int]bool{u.ID: true}
	for _, e := range to {
		ids[s.mustUser(e).ID] = true
	}
	return s.post(&Message{Content: text, SenderID: u.ID, SenderEmail: u.Email, Recipients: sortedIDs(ids)})
}

func (s *Server) mustUser(email string) *User {
	u := s.byEmail[strings.ToLower(email)]
	if u == nil {
		panic("zulipfake: no user " + email)
	}
	return u
}

func sortedIDs(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}

// post stores a message and queues its events; s.mu is held.
func (s *Server) post(m *Message) int {
	s.nextMsg++
	m.ID = s.nextMsg
	m.Timestamp = time.Now().Unix()
	s.msgs = append(s.msgs, m)
	s.msgByID[m.ID] = m
	for _, uid := range s.audience(m) {
		flags := []string{}
		if u := s.users[uid]; u != nil && mentions(m.Content, u) {
			flags = append(flags, "mentioned")
		}
		s.queueEvent(uid, "message", map[string]any{"type": "message", "message": s.messageJSON(m, false), "flags": flags})
	}
	return m.ID
}

// audience is who receives events about m: a channel's subscribers, or a
// direct message's participants.
func (s *Server) audience(m *Message) []int {
	if m.Stream == "" {
		return m.Recipients
	}
	st := s.streams[strings.ToLower(m.Stream)]
	ids := map[int]bool{}
	if st != nil {
		for id := range st.Subs {
			ids[id] = true
		}
	}
	return sortedIDs(ids)
}

// mentions is whether content mentions u for real. A silent mention
// (@_**Name|id**) does not set the "mentioned" flag on the real server
// (https://zulip.com/help/mention-a-user-or-group#silently-mention-a-user).
func mentions(content string, u *User) bool {
	content = silentMention.ReplaceAllString(content, "")
	return strings.Contains(content, "@**"+u.FullName+"**") || strings.Contains(content, fmt.Sprintf("|%d**", u.ID))
}

var silentMention = regexp.MustCompile(`@_\*\*[^*]*\*\*`)

func (s *Server) queueEvent(uid int, typ string, ev map[string]any) {
	for _, q := range s.queues {
		if q.UserID != uid || !q.Types[typ] {
			continue
		}
		e := map[string]any{}
		for k, v := range ev {
			e[k] = v
		}
		e["id"] = q.NextID
		q.NextID++
		q.Events = append(q.Events, e)
	}
	close(s.wake)
	s.wake = make(chan struct{})
}

// React adds email's reaction emojiName to a message (as a test driver).
func (s *Server) React(email string, msgID int, emojiName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.react(s.mustUser(email), msgID, emojiName, "", true)
}

// Unreact removes email's reaction emojiName from a message.
func (s *Server) Unreact(email string, msgID int, emojiName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.react(s.mustUser(email), msgID, emojiName, "", false)
}

type apiError struct {
	status int
	code   string
	msg    string
	extra  map[string]any
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func badRequest(code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: msg}
}

func (s *Server) react(u *User, msgID int, name, code string, add bool) error {
	m := s.msgByID[msgID]
	if m == nil || !s.canSee(u, m) {
		return badRequest("BAD_REQUEST", "Invalid message(s)")
	}
	want, ok := Emoji[name]
	if !ok || (code != "" && code != want) {
		return badRequest("BAD_REQUEST", fmt.Sprintf("Emoji '%s' does not exist", name))
	}
	idx := -1
	for i, r := range m.Reactions {
		if r.UserID == u.ID && r.Code == want {
			idx = i
		}
	}
	op := "add"
	if add {
		if idx >= 0 {
			return badRequest("REACTION_ALREADY_EXISTS", "Reaction already exists.")
		}
		m.Reactions = append(m.Reactions, Reaction{UserID: u.ID, Name: name, Code: want})
	} else {
		if idx < 0 {
			return badRequest("REACTION_DOES_NOT_EXIST", "Reaction doesn't exist.")
		}
		name = m.Reactions[idx].Name
		m.Reactions = append(m.Reactions[:idx], m.Reactions[idx+1:]...)
		op = "remove"
	}
	for _, uid := range s.audience(m) {
		s.queueEvent(uid, "reaction", map[string]any{
			"type": "reaction", "op": op, "message_id": m.ID, "user_id": u.ID,
			"emoji_name": name, "emoji_code": want, "reaction_type": "unicode_emoji",
		})
	}
	return nil
}

func (s *Server) canSee(u *User, m *Message) bool {
	if m.Stream != "" {
		return true // public channels only in this fake
	}
	for _, id := range m.Recipients {
		if id == u.ID {
			return true
		}
	}
	return false
}

// Messages lists the messages in a channel topic ("" topic: every topic),
// oldest first.
func (s *Server) Messages(streamName, topic string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs {
		if m.Stream != "" && strings.EqualFold(m.Stream, streamName) && (topic == "" || m.Topic == topic) {
			out = append(out, s.copyMsg(m))
		}
	}
	return out
}

// DirectMessages lists the direct messages email takes part in.
func (s *Server) DirectMessages(email string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(email)
	var out []Message
	for _, m := range s.msgs {
		if m.Stream == "" && s.canSee(u, m) {
			out = append(out, s.copyMsg(m))
		}
	}
	return out
}

// Message returns one message.
func (s *Server) Message(id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgByID[id]
	if m == nil {
		return Message{}, false
	}
	return s.copyMsg(m), true
}

func (s *Server) copyMsg(m *Message) Message {
	c := *m
	c.Reactions = append([]Reaction(nil), m.Reactions...)
	c.Recipients = append([]int(nil), m.Recipients...)
	return c
}

// ExpireQueue garbage-collects every event queue, as the real server does
// after 10 idle minutes: the next GET /events answers BAD_EVENT_QUEUE_ID,
// and events until a new queue is registered are lost.
func (s *Server) ExpireQueue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queues = map[string]*queue{}
	close(s.wake)
	s.wake = make(chan struct{})
}

// Queues counts the live event queues.
func (s *Server) Queues() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues)
}

// FailNext makes the next n requests (except GET /events long polls)
// answer status after they were validated. 429 answers carry a
// Retry-After header and a retry-after field of SetRetryAfter seconds.
func (s *Server) FailNext(n, status int) {
	s.FailNextOn("", n, status)
}

// FailNextOn is FailNext for requests whose "METHOD /path" (path without
// /api/v1) starts with prefix.
func (s *Server) FailNextOn(prefix string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus, s.failPath = n, status, prefix
}

// SetRetryAfter sets the wait a 429 answer asks for, in seconds.
func (s *Server) SetRetryAfter(secs float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = secs
}

// ---- HTTP ----

type response struct {
	status int
	header http.Header
	body   map[string]any
	// common: validate as a common error (/rest-error-handling).
	common bool
	// raw is sent unvalidated (5xx pages).
	raw string
}

func success(fields map[string]any) *response {
	b := map[string]any{"result": "success", "msg": ""}
	for k, v := range fields {
		b[k] = v
	}
	return &response{status: http.StatusOK, body: b}
}

func errorResponse(e *apiError) *response {
	b := map[string]any{"result": "error", "msg": e.msg, "code": e.code}
	for k, v := range e.extra {
		b[k] = v
	}
	return &response{status: e.status, body: b}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := Request{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v1"), Time: time.Now()}
	rec.User, _, _ = r.BasicAuth()
	if err := r.ParseForm(); err == nil {
		if r.Method == http.MethodDelete && len(body) > 0 {
			// net/http parses bodies of POST, PUT and PATCH only.
			if vals, err := url.ParseQuery(string(body)); err == nil {
				for k, v := range vals {
					r.Form[k] = append(r.Form[k], v...)
				}
			}
		}
		rec.Form = r.Form
	}
	resp := s.handle(r, body)
	rec.Status = resp.status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	s.write(w, resp)
}

func (s *Server) violation(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *Server) write(w http.ResponseWriter, resp *response) {
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if resp.raw != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(resp.status)
		_, _ = io.WriteString(w, resp.raw)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	data, _ := json.Marshal(resp.body)
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
}

func (s *Server) handle(r *http.Request, body []byte) *response {
	if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
		s.violation("%s %s: not under /api/v1", r.Method, r.URL.Path)
		return errorResponse(badRequest("BAD_REQUEST", "not an API path"))
	}
	c, err := s.val.checkRequest(r, body)
	if err != nil {
		s.violation("request %s %s: %v", r.Method, r.URL.Path, oneLine(err.Error()))
		return errorResponse(badRequest("BAD_REQUEST", "request does not match the OpenAPI description: "+oneLine(err.Error())))
	}
	resp := s.dispatch(r)
	if resp.raw != "" {
		return resp
	}
	data, _ := json.Marshal(resp.body)
	if resp.header == nil {
		resp.header = http.Header{}
	}
	resp.header.Set("Content-Type", "application/json")
	in := c
	if !resp.common && resp.status >= 400 && c.input.Route.Operation.Responses.Status(resp.status) == nil &&
		c.input.Route.Operation.Responses.Default() == nil {
		// An error the operation does not list (e.g. 400 "No such user"
		// on GET /users/{user_id}): it must be a common error.
		resp.common = true
	}
	if resp.common && c.errRoute != nil {
		in = &checked{input: c.errRoute, errRoute: c.errRoute}
	}
	if err := s.val.checkResponse(r.Context(), in, resp.status, resp.header, data); err != nil {
		s.violation("response %d to %s %s: %v (body %s)", resp.status, r.Method, r.URL.Path, oneLine(err.Error()), truncate(string(data), 400))
		return errorResponse(badRequest("BAD_REQUEST", "the fake's response does not match the OpenAPI description"))
	}
	return resp
}

func oneLine(s string) string {
	// kin-openapi appends the whole schema; the reason comes first.
	if i := strings.Index(s, "\nSchema:"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "\n", " | ")
	return truncate(s, 600)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (s *Server) injectedFailure(r *http.Request, path string) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failN <= 0 || (r.Method == http.MethodGet && path == "/events") {
		return nil
	}
	if s.failPath != "" && !strings.HasPrefix(r.Method+" "+path, s.failPath) {
		return nil
	}
	s.failN--
	switch s.failStatus {
	case http.StatusTooManyRequests:
		secs := s.retryAfter
		h := http.Header{}
		h.Set("Retry-After", strconv.FormatFloat(secs, 'f', -1, 64))
		h.Set("X-RateLimit-Limit", "200")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(secs*float64(time.Second))).Unix(), 10))
		resp := errorResponse(&apiError{status: http.StatusTooManyRequests, code: "RATE_LIMIT_HIT", msg: "API usage exceeded rate limit",
			extra: map[string]any{"retry-after": secs}})
		resp.header = h
		resp.common = true
		return resp
	default:
		return &response{status: s.failStatus, raw: "<html><body>Internal server error</body></html>"}
	}
}

func (s *Server) authUser(r *http.Request) *User {
	email, key, ok := r.BasicAuth()
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byEmail[strings.ToLower(email)]
	if u == nil || u.APIKey != key {
		return nil
	}
	return u
}

func (s *Server) dispatch(r *http.Request) *response {
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	u := s.authUser(r)
	if u == nil {
		resp := errorResponse(&apiError{status: http.StatusUnauthorized, code: "UNAUTHORIZED", msg: "Invalid API key"})
		resp.common = true
		return resp
	}
	if f := s.injectedFailure(r, path); f != nil {
		return f
	}
	var resp *response
	var err error
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && path == "/register":
		resp, err = s.register(r, u)
	case r.Method == http.MethodGet && path == "/events":
		resp, err = s.events(r, u)
	case r.Method == http.MethodDelete && path == "/events":
		s.mu.Lock()
		delete(s.queues, r.Form.Get("queue_id"))
		s.mu.Unlock()
		resp = success(nil)
	case r.Method == http.MethodPost && path == "/messages":
		resp, err = s.sendMessage(r, u)
	case r.Method == http.MethodGet && path == "/messages":
		resp, err = s.getMessages(r, u)
	case len(parts) == 2 && parts[0] == "messages":
		resp, err = s.oneMessage(r, u, parts[1])
	case len(parts) == 3 && parts[0] == "messages" && parts[2] == "reactions":
		resp, err = s.reaction(r, u, parts[1])
	case r.Method == http.MethodGet && path == "/users/me":
		resp = success(map[string]any{
			"user_id": u.ID, "email": u.Email, "full_name": u.FullName, "is_bot": u.IsBot, "role": u.Role,
			"is_admin": u.Role <= RoleAdmin, "is_owner": u.Role == RoleOwner, "is_guest": u.Role == RoleGuest,
			"avatar_url": "https://secure.gravatar.com/avatar/x", "avatar_version": 1, "date_joined": "2025-01-01T00:00:00+00:00",
			"delivery_email": u.Email, "timezone": "", "is_active": true,
		})
	case r.Method == http.MethodPost && path == "/users/me/subscriptions":
		resp, err = s.subscribe(r, u)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "users":
		resp, err = s.getUser(parts[1])
	case r.Method == http.MethodGet && path == "/get_stream_id":
		s.mu.Lock()
		st := s.streams[strings.ToLower(r.Form.Get("stream"))]
		s.mu.Unlock()
		if st == nil {
			err = badRequest("BAD_REQUEST", fmt.Sprintf("Invalid channel name '%s'", r.Form.Get("stream")))
		} else {
			resp = success(map[string]any{"stream_id": st.ID})
		}
	default:
		err = badRequest("BAD_REQUEST", "the fake does not implement "+r.Method+" "+path)
	}
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			return errorResponse(ae)
		}
		return errorResponse(badRequest("BAD_REQUEST", err.Error()))
	}
	return resp
}

// jsonParam decodes a form value Zulip reads as JSON, falling back to the
// raw string.
func jsonParam(v string) any {
	var x any
	if err := json.Unmarshal([]byte(v), &x); err == nil {
		return x
	}
	return v
}

func boolParam(v string, def bool) bool {
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

func (s *Server) register(r *http.Request, u *User) (*response, error) {
	types := map[string]bool{}
	if v := r.Form.Get("event_types"); v != "" {
		arr, _ := jsonParam(v).([]any)
		for _, t := range arr {
			if ts, ok := t.(string); ok {
				types[ts] = true
			}
		}
	} else {
		types["message"], types["reaction"] = true, true
	}
	types["heartbeat"] = true
	fetch := types
	if v := r.Form.Get("fetch_event_types"); v != "" {
		fetch = map[string]bool{}
		arr, _ := jsonParam(v).([]any)
		for _, t := range arr {
			if ts, ok := t.(string); ok {
				fetch[ts] = true
			}
		}
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	q := &queue{ID: fmt.Sprintf("%x-fake", id), UserID: u.ID, Types: types, LastAccess: time.Now()}
	s.mu.Lock()
	s.queues[q.ID] = q
	maxID := -1
	for _, m := range s.msgs {
		if s.canSee(u, m) && m.ID > maxID {
			maxID = m.ID
		}
	}
	s.mu.Unlock()
	out := map[string]any{
		"queue_id": q.ID, "last_event_id": -1, "zulip_version": "10.2", "zulip_feature_level": FeatureLevel, "zulip_merge_base": "10.2",
	}
	if fetch["message"] {
		out["max_message_id"] = maxID
	}
	return success(out), nil
}

func (s *Server) events(r *http.Request, u *User) (*response, error) {
	qid := r.Form.Get("queue_id")
	last, err := strconv.Atoi(r.Form.Get("last_event_id"))
	if err != nil {
		last = -1
	}
	dontBlock := boolParam(r.Form.Get("dont_block"), false)
	deadline := time.Now().Add(s.Heartbeat)
	for {
		s.mu.Lock()
		q := s.queues[qid]
		if q == nil || q.UserID != u.ID {
			s.mu.Unlock()
			return nil, &apiError{status: http.StatusBadRequest, code: "BAD_EVENT_QUEUE_ID", msg: "Bad event queue ID: " + qid,
				extra: map[string]any{"queue_id": qid}}
		}
		q.LastAccess = time.Now()
		// The client acknowledges everything up to last_event_id.
		kept := q.Events[:0]
		for _, e := range q.Events {
			if e["id"].(int) > last {
				kept = append(kept, e)
			}
		}
		q.Events = kept
		if len(q.Events) > 0 || dontBlock || time.Now().After(deadline) {
			if len(q.Events) == 0 && !dontBlock {
				hb := map[string]any{"type": "heartbeat", "id": q.NextID}
				q.NextID++
				q.Events = append(q.Events, hb)
			}
			evs := append([]map[string]any(nil), q.Events...)
			s.mu.Unlock()
			list := make([]any, len(evs))
			for i, e := range evs {
				list[i] = e
			}
			return success(map[string]any{"events": list, "queue_id": qid}), nil
		}
		wake := s.wake
		s.mu.Unlock()
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-wake:
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, badRequest("BAD_REQUEST", "client went away")
		}
		t.Stop()
	}
}

func (s *Server) sendMessage(r *http.Request, u *User) (*response, error) {
	typ := r.Form.Get("type")
	content := r.Form.Get("content")
	if strings.TrimSpace(content) == "" {
		return nil, badRequest("BAD_REQUEST", "Message must not be empty")
	}
	if utf8.RuneCountInString(content) > MaxMessageLength {
		content = string([]rune(content)[:MaxMessageLength-20]) + "\n[message truncated]"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	to := jsonParam(r.Form.Get("to"))
	switch typ {
	case "stream", "channel":
		var st *stream
		switch v := to.(type) {
		case float64:
			for _, x := range s.streams {
				if x.ID == int(v) {
					st = x
				}
			}
		case string:
			st = s.streams[strings.ToLower(v)]
		case []any:
			if len(v) == 1 {
				if name, ok := v[0].(string); ok {
					st = s.streams[strings.ToLower(name)]
				}
			}
		}
		if st == nil {
			return nil, &apiError{status: http.StatusBadRequest, code: "STREAM_DOES_NOT_EXIST", msg: fmt.Sprintf("Channel '%v' does not exist", to),
				extra: map[string]any{"stream": fmt.Sprint(to)}}
		}
		topic, ok := r.Form["topic"]
		if !ok {
			topic, ok = r.Form["subject"]
		}
		if !ok {
			return nil, badRequest("BAD_REQUEST", "Missing topic")
		}
		t := strings.TrimSpace(topic[0])
		if utf8.RuneCountInString(t) > MaxTopicLength {
			t = string([]rune(t)[:MaxTopicLength-3]) + "..."
		}
		id := s.post(&Message{Stream: st.Name, StreamID: st.ID, Topic: t, Content: content, SenderID: u.ID, SenderEmail: u.Email})
		return success(map[string]any{"id": id}), nil
	case "direct", "private":
		arr, ok := to.([]any)
		if !ok || len(arr) == 0 {
			return nil, badRequest("BAD_REQUEST", "Invalid user ID")
		}
		ids := map[int]bool{u.ID: true}
		for _, x := range arr {
			var target *User
			switch v := x.(type) {
			case float64:
				target = s.users[int(v)]
			case string:
				target = s.byEmail[strings.ToLower(v)]
			}
			if target == nil {
				return nil, badRequest("BAD_REQUEST", fmt.Sprintf("Invalid user ID %v", x))
			}
			ids[target.ID] = true
		}
		id := s.post(&Message{Content: content, SenderID: u.ID, SenderEmail: u.Email, Recipients: sortedIDs(ids)})
		return success(map[string]any{"id": id}), nil
	}
	return nil, badRequest("BAD_REQUEST", "Invalid message type")
}

// messageJSON is the message object of events and GET /messages; s.mu is
// held.
func (s *Server) messageJSON(m *Message, withFlags bool) map[string]any {
	sender := s.users[m.SenderID]
	reactions := []any{}
	for _, r := range m.Reactions {
		reactions = append(reactions, map[string]any{"emoji_name": r.Name, "emoji_code": r.Code, "reaction_type": "unicode_emoji", "user_id": r.UserID})
	}
	out := map[string]any{
		"id": m.ID, "sender_id": m.SenderID, "content": m.Content, "content_type": "text/x-markdown",
		"timestamp": m.Timestamp, "client": "website", "subject": m.Topic, "topic_links": []any{},
		"is_me_message": false, "reactions": reactions, "submessages": []any{},
		"sender_full_name": sender.FullName, "sender_email": sender.Email, "sender_realm_str": "ietf",
		"avatar_url": nil,
	}
	if m.Stream != "" {
		out["type"] = "stream"
		out["stream_id"] = m.StreamID
		out["display_recipient"] = m.Stream
		out["recipient_id"] = 1000 + m.StreamID
	} else {
		out["type"] = "private"
		var rec []any
		key := fmt.Sprint(m.Recipients)
		for _, id := range m.Recipients {
			ru := s.users[id]
			rec = append(rec, map[string]any{"id": ru.ID, "email": ru.Email, "full_name": ru.FullName, "is_mirror_dummy": false})
		}
		out["display_recipient"] = rec
		if _, ok := s.dmRecip[key]; !ok {
			s.dmRecip[key] = 5000 + len(s.dmRecip)
		}
		out["recipient_id"] = s.dmRecip[key]
	}
	if m.Edited {
		out["last_edit_timestamp"] = m.Timestamp
	}
	if withFlags {
		out["flags"] = []any{"read"}
	}
	return out
}

func (s *Server) getMessages(r *http.Request, u *User) (*response, error) {
	anchorS := r.Form.Get("anchor")
	numBefore, _ := strconv.Atoi(r.Form.Get("num_before"))
	numAfter, _ := strconv.Atoi(r.Form.Get("num_after"))
	includeAnchor := boolParam(r.Form.Get("include_anchor"), true)
	var narrow []any
	if v := r.Form.Get("narrow"); v != "" {
		narrow, _ = jsonParam(v).([]any)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var visible []*Message
	for _, m := range s.msgs {
		if !s.visibleTo(u, m) || !matchNarrow(m, narrow) {
			continue
		}
		visible = append(visible, m)
	}
	anchor := 0
	switch anchorS {
	case "newest", "":
		anchor = 1 << 53
	case "oldest":
		anchor = 0
	default:
		a, err := strconv.Atoi(anchorS)
		if err != nil {
			return nil, badRequest("BAD_REQUEST", "Invalid anchor")
		}
		anchor = a
	}
	var before, after []*Message
	foundAnchor := false
	for _, m := range visible {
		switch {
		case m.ID < anchor:
			before = append(before, m)
		case m.ID == anchor:
			foundAnchor = true
			if includeAnchor {
				after = append(after, m)
			}
		default:
			after = append(after, m)
		}
	}
	foundOldest := len(before) <= numBefore
	if len(before) > numBefore {
		before = before[len(before)-numBefore:]
	}
	limitAfter := numAfter
	if foundAnchor && includeAnchor {
		limitAfter++
	}
	foundNewest := len(after) <= limitAfter
	if len(after) > limitAfter {
		after = after[:limitAfter]
	}
	list := []any{}
	for _, m := range append(before, after...) {
		list = append(list, s.messageJSON(m, true))
	}
	return success(map[string]any{
		"anchor": anchor, "found_newest": foundNewest, "found_oldest": foundOldest, "found_anchor": foundAnchor,
		"history_limited": false, "messages": list,
	}), nil
}

// visibleTo: what GET /messages returns without a narrow: the user's
// subscribed channels and direct messages.
func (s *Server) visibleTo(u *User, m *Message) bool {
	if m.Stream == "" {
		return s.canSee(u, m)
	}
	st := s.streams[strings.ToLower(m.Stream)]
	return st != nil && st.Subs[u.ID]
}

func matchNarrow(m *Message, narrow []any) bool {
	for _, term := range narrow {
		var op, operand string
		neg := false
		switch t := term.(type) {
		case map[string]any:
			op, _ = t["operator"].(string)
			operand = fmt.Sprint(t["operand"])
			neg, _ = t["negated"].(bool)
		case []any:
			if len(t) == 2 {
				op, operand = fmt.Sprint(t[0]), fmt.Sprint(t[1])
			}
		}
		var ok bool
		switch op {
		case "stream", "channel":
			ok = strings.EqualFold(m.Stream, operand) || fmt.Sprint(m.StreamID) == operand
		case "topic":
			ok = m.Stream != "" && strings.EqualFold(m.Topic, operand)
		case "is":
			ok = (operand == "dm" || operand == "private") && m.Stream == ""
		default:
			ok = true
		}
		if ok == neg {
			return false
		}
	}
	return true
}

func (s *Server) oneMessage(r *http.Request, u *User, idS string) (*response, error) {
	id, _ := strconv.Atoi(idS)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgByID[id]
	if m == nil || !s.canSee(u, m) {
		return nil, badRequest("BAD_REQUEST", "Invalid message(s)")
	}
	switch r.Method {
	case http.MethodGet:
		return success(map[string]any{"raw_content": m.Content, "message": s.messageJSON(m, true)}), nil
	case http.MethodPatch:
		if c, ok := r.Form["content"]; ok {
			if m.SenderID != u.ID {
				return nil, badRequest("BAD_REQUEST", "You don't have permission to edit this message")
			}
			if strings.TrimSpace(c[0]) == "" {
				return nil, badRequest("BAD_REQUEST", "Message must not be empty")
			}
			if s.EditLimit > 0 && time.Since(time.Unix(m.Timestamp, 0)) > s.EditLimit+20*time.Second {
				return nil, badRequest("BAD_REQUEST", "The time limit for editing this message has passed")
			}
			m.Content = c[0]
			m.Edited = true
		}
		if t, ok := r.Form["topic"]; ok && m.Stream != "" {
			m.Topic = t[0]
		}
		return success(map[string]any{"detached_uploads": []any{}}), nil
	}
	return nil, badRequest("BAD_REQUEST", "method")
}

func (s *Server) reaction(r *http.Request, u *User, idS string) (*response, error) {
	id, _ := strconv.Atoi(idS)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.react(u, id, r.Form.Get("emoji_name"), r.Form.Get("emoji_code"), r.Method == http.MethodPost); err != nil {
		return nil, err
	}
	return success(nil), nil
}

func (s *Server) subscribe(r *http.Request, u *User) (*response, error) {
	subs, _ := jsonParam(r.Form.Get("subscriptions")).([]any)
	if len(subs) == 0 {
		return nil, badRequest("BAD_REQUEST", "Missing 'subscriptions' argument")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var added, already []any
	for _, x := range subs {
		m, _ := x.(map[string]any)
		name, _ := m["name"].(string)
		if name == "" {
			return nil, badRequest("BAD_REQUEST", "Invalid channel name")
		}
		st := s.ensureStream(name)
		if st.Subs[u.ID] {
			already = append(already, st.Name)
		} else {
			st.Subs[u.ID] = true
			added = append(added, st.Name)
		}
	}
	key := strconv.Itoa(u.ID)
	out := map[string]any{"subscribed": map[string]any{}, "already_subscribed": map[string]any{}}
	if len(added) > 0 {
		out["subscribed"] = map[string]any{key: added}
	}
	if len(already) > 0 {
		out["already_subscribed"] = map[string]any{key: already}
	}
	return success(out), nil
}

func (s *Server) getUser(key string) (*response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *User
	if id, err := strconv.Atoi(key); err == nil {
		u = s.users[id]
	} else {
		u = s.byEmail[strings.ToLower(key)]
	}
	if u == nil {
		return nil, badRequest("BAD_REQUEST", "No such user")
	}
	var delivery any
	if u.DeliveryEmail != "" {
		delivery = u.DeliveryEmail
	}
	return success(map[string]any{"user": map[string]any{
		"user_id": u.ID, "email": u.Email, "delivery_email": delivery, "full_name": u.FullName,
		"date_joined": "2025-01-01T00:00:00+00:00", "is_active": true, "is_owner": u.Role == RoleOwner,
		"is_admin": u.Role <= RoleAdmin, "is_guest": u.Role == RoleGuest, "is_bot": u.IsBot,
		"bot_type": botType(u), "bot_owner_id": nil, "role": u.Role, "timezone": "", "avatar_url": nil, "avatar_version": 1,
		"profile_data": map[string]any{},
	}}), nil
}

func botType(u *User) any {
	if u.IsBot {
		return 1
	}
	return nil
}
