package bot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/store"
)

// txGuard is the HTTP transport of every in-process client in this
// package's tests (the Datatracker client, the model client, mautrix: all
// use http.DefaultTransport). A request made under the context of an open
// command transaction (store.MarkTx) is refused and recorded, and the test
// that started the bot fails (start registers checkNoTxNetwork): such a
// call would hold the transaction's row locks and pooled connection for as
// long as the network takes (issue 15).
type txGuard struct{ base http.RoundTripper }

var txNetwork struct {
	sync.Mutex
	calls []string
}

func (g txGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if store.InTx(req.Context()) {
		txNetwork.Lock()
		txNetwork.calls = append(txNetwork.calls, req.Method+" "+req.URL.String())
		txNetwork.Unlock()
		return nil, errors.New("test guard: network call while a command's transaction is open")
	}
	return g.base.RoundTrip(req)
}

func init() { http.DefaultTransport = txGuard{base: http.DefaultTransport} }

// checkNoTxNetwork fails t if a network call was made inside a command's
// transaction since the last check.
func checkNoTxNetwork(t *testing.T) {
	t.Helper()
	txNetwork.Lock()
	calls := txNetwork.calls
	txNetwork.calls = nil
	txNetwork.Unlock()
	for _, c := range calls {
		t.Errorf("network call made while a command's transaction was open: %s", c)
	}
}

// The guard itself: a request under a transaction's context is refused
// and reported; the same request outside one goes through.
func TestTxGuardCatchesNetworkInTransaction(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	get := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(context.Background()); err != nil {
		t.Fatalf("outside a transaction: %v", err)
	}
	if err := get(store.MarkTx(context.Background())); err == nil {
		t.Fatal("a call inside a transaction went through")
	}
	txNetwork.Lock()
	n := len(txNetwork.calls)
	txNetwork.calls = nil
	txNetwork.Unlock()
	if n != 1 {
		t.Fatalf("guard recorded %d calls, want 1", n)
	}
}
