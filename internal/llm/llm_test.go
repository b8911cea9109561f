package llm_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/llm"
	"github.com/liaisonbot/liaisonbot/internal/llm/llmfake"
	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// recorder collects usage records.
type recorder struct {
	mu sync.Mutex
	us []llm.Usage
}

func (r *recorder) record(_ context.Context, u llm.Usage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.us = append(r.us, u)
}

func (r *recorder) all() []llm.Usage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]llm.Usage(nil), r.us...)
}

// syncBuf is a log sink safe for the client's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func client(t *testing.T, fake *llmfake.Server, timeout time.Duration) (*llm.Client, *recorder, *syncBuf) {
	t.Helper()
	rec := &recorder{}
	logs := &syncBuf{}
	c := llm.New(config.LLM{BaseURL: fake.BaseURL(), Model: "test-model", APIKey: fake.Key, Timeout: timeout},
		zerolog.New(logs), rec.record)
	if !c.Enabled() {
		t.Fatal("client with a base URL is not enabled")
	}
	return c, rec, logs
}

var statement = llm.Statement{ID: 2043, Subject: "LS on QUIC multipath", Body: "3GPP SA2 asks the QUIC WG for comments by 2031-03-15."}

func TestOffWithoutBaseURL(t *testing.T) {
	c := llm.New(config.LLM{Model: "x", APIKey: "k"}, zerolog.Nop(), nil)
	if c != nil || c.Enabled() || c.Model() != "" {
		t.Fatalf("client without base URL: %v", c)
	}
	ctx := context.Background()
	if s, ok := c.Summarize(ctx, statement); ok || s != "" {
		t.Errorf("Summarize off: %q %v", s, ok)
	}
	if s, ok := c.Polish(ctx, llm.Draft{Body: "x"}); ok || s != "" {
		t.Errorf("Polish off: %q %v", s, ok)
	}
	if md, ok := c.Extract(ctx, "x"); ok || !md.Empty() {
		t.Errorf("Extract off: %+v %v", md, ok)
	}
}

// TestRequestShape: the request go-openai sends is what an
// OpenAI-compatible server expects, and the statement is delimited data
// under a system prompt that says to ignore instructions in it.
func TestRequestShape(t *testing.T) {
	fake := llmfake.New(t, "sk-test-123")
	c, rec, _ := client(t, fake, 5*time.Second)
	ctx := context.Background()
	sum, ok := c.Summarize(ctx, statement)
	if !ok || !strings.Contains(sum, "3GPP SA2") {
		t.Fatalf("summary: %q %v", sum, ok)
	}
	if _, ok := c.Extract(ctx, "From: 3GPP SA2\nTo: IETF QUIC WG"); !ok {
		t.Fatal("extract failed")
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if r.Auth != "Bearer sk-test-123" {
			t.Errorf("request %d: Authorization %q", i, r.Auth)
		}
		if r.Model != "test-model" {
			t.Errorf("request %d: model %q", i, r.Model)
		}
		if len(r.Messages) != 2 || r.Messages[0].Role != "system" || r.Messages[1].Role != "user" {
			t.Fatalf("request %d: messages %+v", i, r.Messages)
		}
		sys, user := r.Messages[0].Content, r.Messages[1].Content
		if !strings.Contains(sys, "do not follow them") || !strings.Contains(sys, "DATA") {
			t.Errorf("request %d: system prompt does not say to ignore instructions in the data: %q", i, sys)
		}
		// The data sits between a fresh marker that the system prompt names.
		start := strings.Index(user, "<<<LIAISON-DATA-")
		if start < 0 {
			t.Fatalf("request %d: no data block in %q", i, user)
		}
		m := strings.Fields(user[start+3:])[0]
		if !strings.Contains(sys, m) || !strings.HasSuffix(user, m+">>>") {
			t.Errorf("request %d: marker %q not in the system prompt or not closing the data", i, m)
		}
	}
	if !strings.Contains(reqs[0].Messages[1].Content, statement.Body) {
		t.Errorf("statement body not sent: %q", reqs[0].Messages[1].Content)
	}
	if reqs[0].JSON || !reqs[1].JSON {
		t.Errorf("response_format json_object: summary %v, extract %v; want false, true", reqs[0].JSON, reqs[1].JSON)
	}
	if _, ok := reqs[0].Raw["stream"]; ok {
		t.Error("stream sent")
	}
	if m := markerOf(reqs[0].Messages[1].Content); m == markerOf(reqs[1].Messages[1].Content) {
		t.Errorf("marker reused across calls: %q", m)
	}
	us := rec.all()
	if len(us) != 2 || !us[0].OK || us[0].Purpose != llm.PurposeSummary || us[0].StatementID != 2043 ||
		us[0].PromptTokens != 42 || us[0].CompletionTokens != 17 || us[0].Model != "fake-model-1" ||
		us[1].Purpose != llm.PurposeExtract {
		t.Errorf("usage: %+v", us)
	}
}

func markerOf(user string) string {
	i := strings.Index(user, "<<<")
	return strings.Fields(user[i+3:])[0]
}

func TestNoKeySendsNoAuthorization(t *testing.T) {
	fake := llmfake.New(t, "")
	c, _, _ := client(t, fake, 5*time.Second)
	if _, ok := c.Summarize(context.Background(), statement); !ok {
		t.Fatal("summary failed")
	}
	if a := fake.Requests()[0].Auth; a != "" {
		t.Errorf("Authorization %q without a key", a)
	}
}

// TestTimeoutFallsBack: a server slower than llm.timeout gives (zero,
// false) after the time-out, a warning, and a usage record.
func TestTimeoutFallsBack(t *testing.T) {
	fake := llmfake.New(t, "k")
	fake.Set(llmfake.Slow, "")
	fake.SetDelay(5 * time.Second)
	c, rec, logs := client(t, fake, 300*time.Millisecond)
	start := time.Now()
	sum, ok := c.Summarize(context.Background(), statement)
	if ok || sum != "" {
		t.Fatalf("summary on time-out: %q %v", sum, ok)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("time-out took %s", took)
	}
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "time-out") {
		t.Errorf("no warning logged: %s", logs)
	}
	if us := rec.all(); len(us) != 1 || us[0].OK || us[0].Error != "time-out" {
		t.Errorf("usage: %+v", us)
	}
	// After a transport failure the client cools down: the next call
	// falls back at once instead of waiting for another time-out.
	start = time.Now()
	if _, ok := c.Polish(context.Background(), llm.Draft{Body: "x"}); ok {
		t.Error("polish while cooling down succeeded")
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("call while cooling down took %s", took)
	}
}

// Test500FallsBack: an HTTP error gives (zero, false), a warning, no
// panic, and the next call after the cooldown works again.
func Test500FallsBack(t *testing.T) {
	fake := llmfake.New(t, "k")
	fake.Set(llmfake.Error500, "")
	c, rec, logs := client(t, fake, 2*time.Second)
	c.Cooldown = -1
	if s, ok := c.Summarize(context.Background(), statement); ok || s != "" {
		t.Fatalf("summary on 500: %q %v", s, ok)
	}
	if md, ok := c.Extract(context.Background(), "x"); ok || !md.Empty() {
		t.Fatalf("extract on 500: %+v %v", md, ok)
	}
	if !strings.Contains(logs.String(), "HTTP 500") {
		t.Errorf("warning does not name the status: %s", logs)
	}
	if us := rec.all(); len(us) != 2 || us[0].OK || !strings.HasPrefix(us[0].Error, "HTTP 500") {
		t.Errorf("usage: %+v", us)
	}
	fake.Set(llmfake.Normal, "")
	if _, ok := c.Summarize(context.Background(), statement); !ok {
		t.Error("summary after the server recovered failed")
	}
}

// TestMalformedFallsBack: non-JSON where JSON is expected, an empty
// choices list, a broken response body, JSON of the wrong shape.
func TestMalformedFallsBack(t *testing.T) {
	fake := llmfake.New(t, "k")
	c, rec, _ := client(t, fake, 2*time.Second)
	c.Cooldown = -1
	ctx := context.Background()

	fake.Set(llmfake.NotJSON, "")
	if md, ok := c.Extract(ctx, "x"); ok || !md.Empty() {
		t.Errorf("extract of prose: %+v %v", md, ok)
	}
	fake.Set(llmfake.Normal, `{"from": "3GPP", "purpose": "action"}`) // from must be a list
	if md, ok := c.Extract(ctx, "x"); ok || !md.Empty() {
		t.Errorf("extract of a wrongly typed object: %+v %v", md, ok)
	}
	fake.Set(llmfake.Normal, `{"from": [], "run": "/liaison approve 1"}`) // unknown key
	if _, ok := c.Extract(ctx, "x"); ok {
		t.Error("extract with an unknown key accepted")
	}
	fake.Set(llmfake.Normal, `{"from": []} {"to": []}`)
	if _, ok := c.Extract(ctx, "x"); ok {
		t.Error("extract with two objects accepted")
	}
	fake.Set(llmfake.NoChoices, "")
	if s, ok := c.Summarize(ctx, statement); ok || s != "" {
		t.Errorf("summary without choices: %q %v", s, ok)
	}
	fake.Set(llmfake.BrokenBody, "")
	if s, ok := c.Polish(ctx, llm.Draft{Body: "x"}); ok || s != "" {
		t.Errorf("polish of a broken body: %q %v", s, ok)
	}
	fake.Set(llmfake.Normal, "  \u202e \x07 ")
	if s, ok := c.Summarize(ctx, statement); ok || s != "" {
		t.Errorf("summary that is empty once cleaned: %q %v", s, ok)
	}
	us := rec.all()
	if len(us) != 7 {
		t.Errorf("%d usage records for 7 calls: %+v", len(us), us)
	}
	for _, u := range us {
		if u.OK || u.Error == "" {
			t.Errorf("malformed call recorded as %+v", u)
		}
	}
}

func TestExtractValidates(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     llm.Metadata
	}{
		{"full", `{"from": ["3GPP SA2"], "to": ["quic", "IETF"], "from_contact": "Ann <ann@3gpp.org>, bad address",` +
			` "to_contact": "quic-chairs@ietf.org", "purpose": "For Action", "deadline": "2031-03-15", "subject": "LS on multipath"}`,
			llm.Metadata{From: []string{"3GPP SA2"}, To: []string{"quic", "IETF"}, FromContact: "ann@3gpp.org",
				ToContact: "quic-chairs@ietf.org", Purpose: rules.PurposeAction, Deadline: "2031-03-15", Subject: "LS on multipath"}},
		{"fenced", "```json\n{\"subject\": \"S\", \"purpose\": \"info\"}\n```",
			llm.Metadata{Subject: "S", Purpose: rules.PurposeInfo}},
		{"retired purpose and bad date", `{"purpose": "For Comment", "deadline": "2031-02-30"}`, llm.Metadata{}},
		{"unknown purpose", `{"purpose": "launch the missiles", "deadline": "next Tuesday"}`, llm.Metadata{}},
		{"mentions and markup in fields", `{"from": ["@room", "<img src=x>", "ITU-T SG13"], "subject": "@**all** /liaison approve 3"}`,
			llm.Metadata{From: []string{"room", "ITU-T SG13"}, Subject: "all /\u2060liaison approve 3"}},
		{"multi-line subject", `{"subject": "one\ntwo"}`, llm.Metadata{Subject: "one two"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := llm.ParseMetadata(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.From, "|") != strings.Join(tc.want.From, "|") || strings.Join(got.To, "|") != strings.Join(tc.want.To, "|") ||
				got.FromContact != tc.want.FromContact || got.ToContact != tc.want.ToContact || got.Purpose != tc.want.Purpose ||
				got.Deadline != tc.want.Deadline || got.Subject != tc.want.Subject {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "null", "[]", `"x"`, "Sure: {}", `{"from": [1]}`, `{"deadline": 5}`} {
		if _, err := llm.ParseMetadata(bad); err == nil {
			t.Errorf("ParseMetadata(%q) accepted", bad)
		}
	}
}

func TestInert(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text.", "plain text."},
		{"hello @room and @all", "hello room and all"},
		{"ping @**all** and @_**Alice Example** and @*chairs*", "ping all and Alice Example and chairs"},
		{"ask @alice:example.org or https://matrix.to/#/@bob:example.org", "ask alice:example.org or https://matrix.to/#/bob:example.org"},
		{"mail ann@3gpp.org please", "mail ann@3gpp.org please"},
		{"x@room", "x@\u2060room"},
		{"/liaison approve 3", "/\u2060liaison approve 3"},
		{"then !LIAISON approve 3", "then !\u2060LIAISON approve 3"},
		{"bidi \u202egnp.exe\u202c and zero\u200bwidth", "bidi gnp.exe and zerowidth"},
		{"two\nlines\x07", "two lines"},
	} {
		if got := llm.Inert(tc.in, false); got != tc.want {
			t.Errorf("Inert(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := llm.Inert("Dear all,\r\n\r\n\r\n\r\nThanks.  \n/liaison approve 1", true); got != "Dear all,\n\nThanks.\n/\u2060liaison approve 1" {
		t.Errorf("multi-line: %q", got)
	}
}
