package chat

import "net/http"

// IdleConnsPerHost is how many idle connections to its chat server a
// transport keeps. Go's default is 2 (net/http DefaultMaxIdleConnsPerHost),
// fewer than the outbox workers, inbox workers and the long-poll that talk
// to the server at once: every request beyond two would close its
// connection afterwards and the next would open a new one (a TLS handshake
// each, against a real server).
const IdleConnsPerHost = 32

// HTTPTransport is the round tripper a transport's HTTP client uses:
// http.DefaultTransport with IdleConnsPerHost idle connections a host. When
// DefaultTransport has been wrapped (instrumentation, or a test's guard
// that every client must go through), the wrapper is used as it is.
func HTTPTransport() http.RoundTripper {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := base.Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	return t
}
