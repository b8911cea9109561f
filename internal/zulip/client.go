package zulip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// APIError is an error answer of the Zulip API.
type APIError struct {
	Status int
	Code   string // e.g. BAD_EVENT_QUEUE_ID, RATE_LIMIT_HIT, STREAM_DOES_NOT_EXIST
	Msg    string
	// RetryAfter is the wait a 429 asked for (header or body).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("zulip: HTTP %d %s: %s", e.Status, e.Code, e.Msg)
	}
	return fmt.Sprintf("zulip: HTTP %d: %s", e.Status, e.Msg)
}

// Is makes an answer Zulip will give again for the same request (a 4xx
// other than 429, 408 and 401) match chat.ErrRejected, so the outbox does
// not retry such a message for ever.
func (e *APIError) Is(target error) bool {
	return target == chat.ErrRejected && e.Status >= 400 && e.Status < 500 &&
		e.Status != http.StatusTooManyRequests && e.Status != http.StatusRequestTimeout && e.Status != http.StatusUnauthorized
}

// IsCode reports whether err is an APIError with the given code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// fatal reports errors retrying cannot fix: the credentials are rejected
// or the account or realm is deactivated.
func fatal(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case "INVALID_API_KEY", "USER_DEACTIVATED", "REALM_DEACTIVATED", "UNAUTHORIZED":
		return true
	}
	return ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden
}

// transient reports errors worth retrying: network trouble, 429, 5xx.
func transient(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status >= 500
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// client is a small hand-written Zulip REST client (NOTES §4: no Go
// library is both maintained and available): basic auth, form bodies
// whose non-string values are JSON text, retries on 429 (honouring the
// server's float Retry-After) and on 5xx/network errors with backoff.
type client struct {
	cfg  *Config
	http *http.Client
	// sleep waits d or until ctx ends (tests may replace it).
	sleep func(ctx context.Context, d time.Duration) bool
}

func newClient(cfg *Config) *client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: chat.HTTPTransport()}
	}
	return &client{cfg: cfg, http: hc, sleep: sleepCtx}
}

// call performs one API call with retries; out receives the JSON answer.
func (c *client) call(ctx context.Context, method, path string, params url.Values, out any) error {
	return c.callRetries(ctx, method, path, params, out, c.cfg.Retries, c.cfg.RequestTimeout)
}

func (c *client) callRetries(ctx context.Context, method, path string, params url.Values, out any, retries int, timeout time.Duration) error {
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, method, path, params, out, timeout)
		if err == nil || attempt >= retries || ctx.Err() != nil || !transient(err) {
			return err
		}
		d := c.retryWait(err, attempt)
		c.cfg.Log.Warn().Err(err).Str("method", method).Str("path", path).Int("attempt", attempt+1).
			Dur("retry_in", d).Msg("Zulip request failed, retrying")
		if !c.sleep(ctx, d) {
			return err
		}
	}
}

// retryWait is how long to wait before retrying after err: what a 429
// asked for (capped by MaxRetryAfter, at least 100 ms, plus a little
// jitter), or an exponential backoff.
func (c *client) retryWait(err error, attempt int) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
		d := max(ae.RetryAfter, 100*time.Millisecond)
		d = min(d, c.cfg.MaxRetryAfter)
		return d + time.Duration(rand.Int64N(int64(50*time.Millisecond)))
	}
	return backoff(attempt, c.cfg.Backoff, c.cfg.MaxBackoff)
}

func (c *client) once(ctx context.Context, method, path string, params url.Values, out any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	target := c.cfg.Site + "/api/v1" + path
	var body io.Reader
	if method == http.MethodGet {
		if len(params) > 0 {
			target += "?" + params.Encode()
		}
	} else if params != nil {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "liaisonbot")
	req.SetBasicAuth(c.cfg.Email, c.cfg.APIKey)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("zulip: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("zulip: %s %s: read answer: %w", method, path, err)
	}
	var head struct {
		Result     string          `json:"result"`
		Msg        string          `json:"msg"`
		Code       string          `json:"code"`
		RetryAfter json.RawMessage `json:"retry-after"`
		Ignored    []string        `json:"ignored_parameters_unsupported"`
	}
	jsonErr := json.Unmarshal(data, &head)
	if resp.StatusCode != http.StatusOK || head.Result != "success" {
		ae := &APIError{Status: resp.StatusCode, Code: head.Code, Msg: head.Msg}
		if jsonErr != nil {
			ae.Msg = http.StatusText(resp.StatusCode)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			ae.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), head.RetryAfter)
		}
		return ae
	}
	if jsonErr != nil {
		return fmt.Errorf("zulip: %s %s: answer is not JSON: %w", method, path, jsonErr)
	}
	if len(head.Ignored) > 0 {
		c.cfg.Log.Warn().Str("path", path).Strs("ignored", head.Ignored).Msg("Zulip ignored parameters it does not support")
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("zulip: %s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// parseRetryAfter reads the wait of a 429: the Retry-After header or the
// body's retry-after, both float seconds on Zulip (NOTES §3.10); the
// longer one wins. An HTTP date in the header is accepted too.
func parseRetryAfter(header string, body json.RawMessage) time.Duration {
	var d time.Duration
	if header != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(header), 64); err == nil && f > 0 {
			d = time.Duration(f * float64(time.Second))
		} else if t, err := http.ParseTime(header); err == nil {
			d = time.Until(t)
		}
	}
	if len(body) > 0 {
		var f float64
		if json.Unmarshal(body, &f) == nil && f > 0 {
			d = max(d, time.Duration(f*float64(time.Second)))
		}
	}
	return d
}

func backoff(attempt int, first, limit time.Duration) time.Duration {
	d := first
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// jsonValue encodes a form value Zulip reads as JSON.
func jsonValue(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
