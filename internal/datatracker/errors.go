package datatracker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrNotFound is returned (wrapped, with the URL) for HTTP 404: an unknown
// statement, group, person or document.
var ErrNotFound = errors.New("datatracker: not found")

// ErrNotJSON is returned (wrapped) when a successful response is not JSON,
// e.g. an HTML error or maintenance page served with status 200. A
// [*DecodeError] for malformed or truncated JSON matches it too.
var ErrNotJSON = errors.New("datatracker: response is not JSON")

// MaxRetryAfter bounds [HTTPError.RetryAfter]: a server asking for more is
// not trusted blindly.
const MaxRetryAfter = time.Hour

// HTTPError is a non-2xx response other than 404.
type HTTPError struct {
	URL    string
	Status int
	// RetryAfter is the server's Retry-After (seconds or HTTP date), 0 when
	// absent or unparsable, at most MaxRetryAfter. A hint for the poller's
	// back-off, never slept on by the client.
	RetryAfter time.Duration
	// Body is the start of the response body, cleaned for logging.
	Body string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datatracker: GET %s: HTTP %d", e.URL, e.Status)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// DecodeError is a response that is not of the expected JSON shape.
type DecodeError struct {
	URL string
	// Malformed is set when the body is not valid JSON at all (truncated,
	// syntax error): transient, and it matches ErrNotJSON. Otherwise the JSON
	// is valid but a field has an unexpected type or value (the API changed):
	// permanent until the code is fixed.
	Malformed bool
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("datatracker: GET %s: decoding response: %v", e.URL, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes a malformed body match ErrNotJSON.
func (e *DecodeError) Is(target error) bool { return e.Malformed && target == ErrNotJSON }

// IsTransient reports whether err is worth retrying later: 5xx, 429 and 408
// responses, time-outs and network errors, HTML or other non-JSON pages and
// malformed JSON. Not found, other 4xx, shape errors, a cancelled context and
// a callback's own errors are permanent.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, ErrNotFound) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusTooManyRequests || he.Status == http.StatusRequestTimeout
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Malformed
	}
	if errors.Is(err, ErrNotJSON) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var te *transportError
	return errors.As(err, &te)
}

// transportError marks a failed request or body read (connection refused
// or reset, DNS, TLS, EOF, time-out): transient.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// snippet returns the start of a body as one cleaned line for errors and logs.
func snippet(body []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(body[:min(len(body), n*4)]), "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
