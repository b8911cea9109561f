package matrix

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// retryAfterTransport makes a 429 answer's JSON retry_after_ms visible to
// mautrix: its retry loop (client.go executeCompiledRequest) honours only
// the Retry-After header (NOTES §1.5), and Dendrite, like older Synapse,
// puts the wait in the body only. When the header is missing, the body's
// retry_after_ms is copied into it, rounded up to whole seconds.
type retryAfterTransport struct {
	base http.RoundTripper
}

func (rt *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	var e struct {
		RetryAfterMS int64 `json:"retry_after_ms"`
	}
	if json.Unmarshal(body, &e) == nil && e.RetryAfterMS > 0 {
		secs := (e.RetryAfterMS + 999) / 1000
		resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	return resp, nil
}
