package matrix

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// This checks mautrix's HTTP retry loop together with retryAfterTransport
// at the HTTP level (a scripted responder, not a homeserver: the Matrix
// behaviour itself is tested against Dendrite in integration_test.go).
func TestSendRetriesRateLimitAndBadGatewayWithSameTxn(t *testing.T) {
	type hit struct {
		path string
		at   time.Time
	}
	var (
		mu    sync.Mutex
		hits  []hit
		plan  = []int{502, 503, 429, 200}
		count int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/account/whoami") {
			_, _ = w.Write([]byte(`{"user_id":"@liaisonbot:test","device_id":"DEV"}`))
			return
		}
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/send/m.room.message/") {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"errcode":"M_UNRECOGNIZED"}`))
			return
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if _, ok := body["m.mentions"]; !ok {
			t.Errorf("attempt without m.mentions: %v", body)
		}
		mu.Lock()
		hits = append(hits, hit{r.URL.Path, time.Now()})
		code := 200
		if count < len(plan) {
			code = plan[count]
		}
		count++
		mu.Unlock()
		switch code {
		case 429:
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":300}`))
		case 200:
			_, _ = w.Write([]byte(`{"event_id":"$sent"}`))
		default:
			w.WriteHeader(code)
			_, _ = w.Write([]byte(`bad gateway`))
		}
	}))
	defer srv.Close()

	tr, err := New(Config{
		Homeserver: srv.URL, UserID: "@liaisonbot:test", AccessToken: "tok",
		HTTPBackoff: 20 * time.Millisecond, Log: zerolog.Nop(),
	}, &chat.MemKV{})
	if err != nil {
		t.Fatal(err)
	}
	out := chat.Outgoing{Room: "!a:test", Body: chat.Text("hello"), Notice: true, TxnKey: "k1"}
	sent, err := tr.Send(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID != "$sent" || sent.Room != "!a:test" {
		t.Fatalf("sent %+v", sent)
	}
	if len(hits) != 4 {
		t.Fatalf("%d attempts, want 4 (502, 503, 429, 200)", len(hits))
	}
	for _, h := range hits[1:] {
		if h.path != hits[0].path {
			t.Fatalf("retry used another path %q (first %q): txn ID changed", h.path, hits[0].path)
		}
	}
	if !strings.HasSuffix(hits[0].path, "/"+TxnID("!a:test", event.EventMessage, "k1")) {
		t.Fatalf("path %q does not end in the derived txn ID", hits[0].path)
	}
	if gap := hits[3].at.Sub(hits[2].at); gap < 900*time.Millisecond {
		t.Fatalf("retried after %v: retry_after_ms (300 ms, rounded up to 1 s) not honoured", gap)
	}

	// A second send with the same key goes to the same transaction.
	if _, err := tr.Send(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if hits[len(hits)-1].path != hits[0].path {
		t.Fatal("same TxnKey, different transaction")
	}
}

func TestRetryAfterTransportKeepsExistingHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(429)
		_, _ = w.Write([]byte(`{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":100}`))
	}))
	defer srv.Close()
	c := &http.Client{Transport: &retryAfterTransport{base: http.DefaultTransport}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Retry-After"); got != "7" {
		t.Fatalf("Retry-After = %q", got)
	}
	var e map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e["errcode"] != "M_LIMIT_EXCEEDED" {
		t.Fatalf("body lost: %v %v", e, err)
	}
}
