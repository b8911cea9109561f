// Package llmfake is a local OpenAI-compatible chat-completions server for
// tests. It serves POST /v1/chat/completions, checks the request has the
// shape go-openai sends (JSON body with model, messages with known roles
// and content, Authorization: Bearer <key> when a key is expected), records
// every request, and answers according to its Mode: normally, slowly (past
// the client's time-out), with a 500, with malformed output, or by echoing
// the statement it was given (what a model that obeys injected
// instructions would do).
package llmfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mode is how the server answers.
type Mode int

const (
	// Normal answers with Reply (or a canned answer per purpose).
	Normal Mode = iota
	// Slow sleeps Delay before answering normally.
	Slow
	// Error500 answers HTTP 500 with an OpenAI-style error body.
	Error500
	// NotJSON answers 200 with a choice whose content is not JSON (for
	// calls that ask for JSON) or is the Reply.
	NotJSON
	// NoChoices answers 200 with an empty choices list.
	NoChoices
	// BrokenBody answers 200 with a body that is not JSON at all.
	BrokenBody
	// Echo answers with the user message's data block verbatim: a model
	// that follows instructions hidden in the data.
	Echo
)

// Request is a request as received.
type Request struct {
	Auth     string
	Model    string
	Messages []Message
	JSON     bool // response_format json_object was asked
	Raw      map[string]any
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Server is the fake.
type Server struct {
	*httptest.Server
	t testing.TB
	// Key is the API key expected as a bearer token ("" expects none).
	Key string

	mu       sync.Mutex
	mode     Mode
	reply    string
	delay    time.Duration
	model    string
	requests []Request
	problems []string
	usage    [2]int
}

// New starts a fake; it stops when the test ends. Problems with the shape
// of requests fail the test at its end.
func New(t testing.TB, key string) *Server {
	s := &Server{t: t, Key: key, model: "fake-model-1", usage: [2]int{42, 17}, delay: 3 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", s.chat)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.problem("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			t.Errorf("llmfake: %s", p)
		}
	})
	return s
}

// BaseURL is the base URL to configure (llm.base_url), ending in /v1.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Set changes how the server answers. reply is the content of normal
// answers ("" gives a canned answer by purpose).
func (s *Server) Set(mode Mode, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode, s.reply = mode, reply
}

// SetDelay sets how long Slow waits.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetUsage sets the token counts answers report.
func (s *Server) SetUsage(prompt, completion int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usage = [2]int{prompt, completion}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.problem("%s /v1/chat/completions, want POST", r.Method)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.problem("Content-Type %q, want application/json", ct)
	}
	auth := r.Header.Get("Authorization")
	if s.Key != "" && auth != "Bearer "+s.Key {
		s.problem("Authorization %q, want a bearer token", redact(auth))
		writeError(w, http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided")
		return
	}
	var raw map[string]any
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		s.problem("body is not JSON: %v", err)
		writeError(w, http.StatusBadRequest, "invalid_request_error", "body is not JSON")
		return
	}
	req := Request{Auth: auth, Raw: raw}
	req.Model, _ = raw["model"].(string)
	if req.Model == "" {
		s.problem("no model in the request")
	}
	msgs, _ := raw["messages"].([]any)
	if len(msgs) == 0 {
		s.problem("no messages in the request")
	}
	for i, m := range msgs {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		content, _ := mm["content"].(string)
		switch role {
		case "system", "user", "assistant", "developer":
		default:
			s.problem("message %d has role %q", i, role)
		}
		if content == "" {
			s.problem("message %d has no content", i)
		}
		req.Messages = append(req.Messages, Message{Role: role, Content: content})
	}
	if stream, _ := raw["stream"].(bool); stream {
		s.problem("stream requested; the bot never streams")
	}
	if rf, ok := raw["response_format"].(map[string]any); ok {
		req.JSON = rf["type"] == "json_object"
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	mode, reply, delay, model, usage := s.mode, s.reply, s.delay, s.model, s.usage
	s.mu.Unlock()

	switch mode {
	case Slow:
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	case Error500:
		writeError(w, http.StatusInternalServerError, "server_error", "The server had an error while processing your request.")
		return
	case BrokenBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "chatcmpl-broken", "choices": [`))
		return
	case NoChoices:
		writeJSON(w, completion(model, usage, nil))
		return
	case NotJSON:
		if req.JSON {
			reply = "Sure! The statement is from 3GPP and asks for comments."
		}
	case Echo:
		reply = dataOf(req)
	}
	if reply == "" {
		reply = canned(req)
	}
	writeJSON(w, completion(model, usage, &reply))
}

// dataOf is the data block of the last user message (what a model that
// obeys instructions inside it might parrot back).
func dataOf(req Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			c := req.Messages[i].Content
			if j := strings.Index(c, "<<<"); j >= 0 {
				c = c[j:]
				if k := strings.Index(c, "\n"); k >= 0 {
					c = c[k+1:]
				}
				if k := strings.LastIndex(c, "\n"); k >= 0 {
					c = c[:k]
				}
			}
			return c
		}
	}
	return ""
}

func canned(req Request) string {
	if req.JSON {
		return `{"from": ["3GPP SA2"], "to": ["quic"], "from_contact": "sa2-chair@3gpp.org", "to_contact": "quic-chairs@ietf.org",` +
			` "purpose": "action", "deadline": "2031-03-15", "subject": "LS on QUIC multipath"}`
	}
	sys := ""
	if len(req.Messages) > 0 {
		sys = req.Messages[0].Content
	}
	if strings.Contains(sys, "polish") {
		return "Dear colleagues,\n\nThe QUIC WG thanks 3GPP SA2 for its statement. This reply represents WG consensus.\n\n" +
			"RFC 9000 is a Proposed Standard.\n\nBest regards,\nthe QUIC WG chairs"
	}
	return "3GPP SA2 informs the IETF QUIC WG of its multipath work. It asks for comments on the use of RFC 9000 by 15 March 2031."
}

func completion(model string, usage [2]int, content *string) map[string]any {
	choices := []any{}
	if content != nil {
		choices = append(choices, map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": *content},
			"finish_reason": "stop",
		})
	}
	return map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": choices,
		"usage": map[string]any{
			"prompt_tokens":     usage[0],
			"completion_tokens": usage[1],
			"total_tokens":      usage[0] + usage[1],
		},
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}

func redact(auth string) string {
	if len(auth) > 12 {
		return auth[:12] + "…"
	}
	return auth
}
