package zulipfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// call makes a raw API request as u.
func call(t *testing.T, s *Server, u *User, method, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	target := s.URL() + "/api/v1" + path
	if method == http.MethodGet {
		if len(form) > 0 {
			target += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(u.Email, u.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The "deliberately wrong request": POST /messages without "to"
// is caught by the OpenAPI validation.
func TestFakeCatchesMissingTo(t *testing.T) {
	s := New(t)
	bot := s.AddBot("bot@example.org", "liaisonbot")
	s.AddStream("teas", bot.Email)

	status, body := call(t, s, bot, http.MethodPost, "/messages", url.Values{"type": {"stream"}, "topic": {"x"}, "content": {"hi"}})
	if status != http.StatusBadRequest {
		t.Errorf("status %d, want 400", status)
	}
	v := s.Violations()
	if len(v) != 1 || !strings.Contains(v[0], `"to"`) {
		t.Fatalf("violations %q, want one naming the missing \"to\"", v)
	}
	t.Logf("caught: %s (answer %v)", v[0], body["msg"])
	s.ResetViolations()

	// The same request with "to" is fine.
	status, body = call(t, s, bot, http.MethodPost, "/messages", url.Values{"type": {"stream"}, "to": {"teas"}, "topic": {"x"}, "content": {"hi"}})
	if status != http.StatusOK || body["id"] == nil {
		t.Fatalf("valid send: %d %v", status, body)
	}
}

// Further wrong requests: non-JSON event_types, an unknown operation, an
// unknown query parameter type.
func TestFakeCatchesOtherViolations(t *testing.T) {
	s := New(t)
	bot := s.AddBot("bot@example.org", "liaisonbot")
	cases := []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodPost, "/register", url.Values{"event_types": {"message"}}},
		{http.MethodGet, "/events", url.Values{"last_event_id": {"-1"}}}, // queue_id required
		{http.MethodPost, "/no/such/endpoint", url.Values{}},
		{http.MethodPost, "/messages/12/reactions", url.Values{"emoji_code": {"2705"}}}, // emoji_name required
	}
	for _, c := range cases {
		before := len(s.Violations())
		status, _ := call(t, s, bot, c.method, c.path, c.form)
		if status != http.StatusBadRequest || len(s.Violations()) != before+1 {
			t.Errorf("%s %s %v: status %d, violations %q", c.method, c.path, c.form, status, s.Violations()[before:])
		}
	}
	s.ResetViolations()
}

// Every driver operation and the endpoints the transport uses produce
// responses that validate.
func TestFakeEndpointsValidate(t *testing.T) {
	s := New(t)
	s.Heartbeat = 100 * 1e6
	bot := s.AddBot("bot@example.org", "liaisonbot")
	alice := s.AddUser("alice@example.org", "Alice", RoleMember)
	status, reg := call(t, s, bot, http.MethodPost, "/register", url.Values{"event_types": {`["message","reaction"]`}, "apply_markdown": {"false"}})
	if status != 200 {
		t.Fatalf("register: %d %v", status, reg)
	}
	qid := reg["queue_id"].(string)
	call(t, s, bot, http.MethodPost, "/users/me/subscriptions", url.Values{"subscriptions": {`[{"name":"teas"}]`}})
	id := s.Post(alice.Email, "teas", "LS 1", "@**liaisonbot** help")
	s.DM(alice.Email, "help")
	if err := s.React(alice.Email, id, "check"); err != nil {
		t.Fatal(err)
	}
	if err := s.Unreact(alice.Email, id, "check"); err != nil {
		t.Fatal(err)
	}
	status, evs := call(t, s, bot, http.MethodGet, "/events", url.Values{"queue_id": {qid}, "last_event_id": {"-1"}})
	if status != 200 || len(evs["events"].([]any)) != 4 {
		t.Fatalf("events: %d %v", status, evs)
	}
	status, evs = call(t, s, bot, http.MethodGet, "/events", url.Values{"queue_id": {qid}, "last_event_id": {"3"}})
	if status != 200 || evs["events"].([]any)[0].(map[string]any)["type"] != "heartbeat" {
		t.Fatalf("heartbeat: %d %v", status, evs)
	}
	for _, c := range []struct {
		method, path string
		form         url.Values
		want         int
	}{
		{http.MethodGet, "/users/me", nil, 200},
		{http.MethodGet, "/users/alice@example.org", nil, 200},
		{http.MethodGet, "/users/" + itoa(alice.ID), nil, 200},
		{http.MethodGet, "/get_stream_id", url.Values{"stream": {"teas"}}, 200},
		{http.MethodGet, "/get_stream_id", url.Values{"stream": {"nope"}}, 400},
		{http.MethodGet, "/messages", url.Values{"anchor": {"0"}, "num_before": {"0"}, "num_after": {"10"}, "apply_markdown": {"false"}}, 200},
		{http.MethodGet, "/messages/" + itoa(id), url.Values{"apply_markdown": {"false"}}, 200},
		{http.MethodPost, "/messages", url.Values{"type": {"stream"}, "to": {"teas"}, "topic": {strings.Repeat("t", 70)}, "content": {"x"}}, 200},
		{http.MethodPost, "/messages", url.Values{"type": {"stream"}, "to": {"teas"}, "content": {"x"}}, 400},
		{http.MethodPost, "/messages", url.Values{"type": {"stream"}, "to": {"nope"}, "topic": {"t"}, "content": {"x"}}, 400},
		{http.MethodPost, "/messages", url.Values{"type": {"direct"}, "to": {`["alice@example.org"]`}, "content": {"x"}}, 200},
		{http.MethodPost, "/messages/" + itoa(id) + "/reactions", url.Values{"emoji_name": {"check"}, "emoji_code": {"2705"}, "reaction_type": {"unicode_emoji"}}, 200},
		{http.MethodPost, "/messages/" + itoa(id) + "/reactions", url.Values{"emoji_name": {"check"}}, 400},
		{http.MethodDelete, "/messages/" + itoa(id) + "/reactions", url.Values{"emoji_name": {"check"}}, 200},
		{http.MethodGet, "/events", url.Values{"queue_id": {"gone"}, "last_event_id": {"-1"}}, 400},
	} {
		status, body := call(t, s, bot, c.method, c.path, c.form)
		if status != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, status, body, c.want)
		}
	}
	s.FailNext(1, http.StatusTooManyRequests)
	if status, body := call(t, s, bot, http.MethodGet, "/users/me", nil); status != 429 || body["code"] != "RATE_LIMIT_HIT" {
		t.Errorf("429: %d %v", status, body)
	}
	if msgs := s.Messages("teas", ""); len(msgs) != 2 || msgs[1].Topic != strings.Repeat("t", 57)+"..." {
		t.Errorf("messages %+v", msgs)
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string { b, _ := json.Marshal(i); return string(b) }
