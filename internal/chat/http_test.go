package chat_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// TestHTTPTransportReusesConnections: eight requests at a time (four outbox
// workers, four inbox workers) reuse their connections to the chat server.
// With Go's default of 2 idle connections a host, this opened about one
// connection for every other request.
func TestHTTPTransportReusesConnections(t *testing.T) {
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(2 * time.Millisecond)
		_, _ = io.WriteString(w, `{"event_id":"$x"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	hc := &http.Client{Transport: chat.HTTPTransport()}
	const parallel, each = 8, 25
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for range each {
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := opened.Load(); n > parallel {
		t.Errorf("%d requests, %d at a time, opened %d connections; want at most %d", parallel*each, parallel, n, parallel)
	}
}

// A wrapped DefaultTransport (a test's guard every client must go through,
// instrumentation) is kept, not bypassed by a clone of what it wraps.
func TestHTTPTransportKeepsAWrappedDefault(t *testing.T) {
	orig := http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = orig })
	w := wrapped{orig}
	http.DefaultTransport = w
	if got := chat.HTTPTransport(); got != http.RoundTripper(w) {
		t.Errorf("HTTPTransport() = %T, want the wrapper", got)
	}
}

type wrapped struct{ http.RoundTripper }
