package datatracker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a test server answering from a handler and recording requests.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	srv  *httptest.Server
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.mu.Unlock()
		h(w, req)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

func jsonHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

const emptyPage = `{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 0}, "objects": []}`

func TestStatementsFollowsNextAsIs(t *testing.T) {
	example := string(readTestdata(t, "liaisonstatement-list.example.json"))
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "3" {
			jsonHandler(200, emptyPage)(w, r)
			return
		}
		jsonHandler(200, example)(w, r)
	})
	c := New(rec.srv.URL)
	q := url.Values{"state": {"posted"}, "order_by": {"-id"}, "limit": {"3"}}
	var ids []int64
	err := c.Statements(context.Background(), q, func(ss []Statement) error {
		for _, s := range ss {
			ids = append(ids, s.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[2043 2042 2041]" {
		t.Errorf("ids %v", ids)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	first := reqs[0].URL.Query()
	if first.Get("format") != "json" || first.Get("limit") != "3" || first.Get("order_by") != "-id" || first.Get("state") != "posted" {
		t.Errorf("first request %s", reqs[0].URL)
	}
	if got := reqs[1].URL.RequestURI(); got != "/api/v1/liaisons/liaisonstatement/?format=json&state=posted&order_by=-id&limit=3&offset=3" {
		t.Errorf("second request %s, want the example's next as-is", got)
	}
	for _, r := range reqs {
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("User-Agent") != DefaultUserAgent {
			t.Errorf("headers %v", r.Header)
		}
	}
	if q.Get("format") != "" {
		t.Error("the caller's query was modified")
	}
}

func TestWalkDefaults(t *testing.T) {
	rec := newRecorder(t, jsonHandler(200, emptyPage))
	c := New(rec.srv.URL + "/")
	ctx := context.Background()
	noop := func([]Role) error { return nil }
	if err := c.Roles(ctx, url.Values{"name__in": {"chair,secr,ad,liaiman,liaison_coordinator"}}, noop); err != nil {
		t.Fatal(err)
	}
	if err := c.Groups(ctx, nil, func([]Group) error { return nil }); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	q := reqs[0].URL.Query()
	if reqs[0].URL.Path != "/api/v1/group/role/" || q.Get("limit") != "1000" || q.Get("order_by") != "id" || q.Get("name__in") != "chair,secr,ad,liaiman,liaison_coordinator" {
		t.Errorf("roles request %s", reqs[0].URL)
	}
	q = reqs[1].URL.Query()
	if reqs[1].URL.Path != "/api/v1/group/group/" || q.Get("limit") != "1000" || q.Has("order_by") {
		t.Errorf("groups request %s", reqs[1].URL)
	}
}

func TestEventsAfterIsOneRequest(t *testing.T) {
	page := `{"meta": {"limit": 2, "next": "/api/v1/liaisons/liaisonstatementevent/?type__in=posted%2Cmodified&id__gt=9000&order_by=id&limit=2&offset=2", "offset": 0, "previous": null, "total_count": 3},
	"objects": [
	 {"by":"/api/v1/person/person/120030/","desc":"Statement Posted","id":9111,"resource_uri":"/api/v1/liaisons/liaisonstatementevent/9111/","statement":"/api/v1/liaisons/liaisonstatement/2042/","time":"2025-06-02T14:03:51Z","type":"/api/v1/name/liaisonstatementeventtypename/posted/"},
	 {"by":"/api/v1/person/person/120010/","desc":"Statement Posted","id":9152,"resource_uri":"/api/v1/liaisons/liaisonstatementevent/9152/","statement":"/api/v1/liaisons/liaisonstatement/2043/","time":"2025-09-10T15:30:01Z","type":"/api/v1/name/liaisonstatementeventtypename/posted/"}]}`
	rec := newRecorder(t, jsonHandler(200, page))
	c := New(rec.srv.URL)
	evs, err := c.EventsAfter(context.Background(), 9000, []string{"posted", "modified"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].ID != 9152 || evs[1].StatementID != 2043 || evs[1].By != 120010 {
		t.Errorf("events %+v", evs)
	}
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1 (next is not followed)", len(reqs))
	}
	q := reqs[0].URL.Query()
	if reqs[0].URL.Path != "/api/v1/liaisons/liaisonstatementevent/" || q.Get("type__in") != "posted,modified" || q.Get("id__gt") != "9000" ||
		q.Get("order_by") != "id" || q.Get("limit") != "2" || q.Get("format") != "json" || q.Has("type") {
		t.Errorf("request %s", reqs[0].URL)
	}

	if _, err := c.EventsAfter(context.Background(), 5, []string{"posted"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EventsAfter(context.Background(), 5, nil, 5000); err != nil {
		t.Fatal(err)
	}
	reqs = rec.requests()
	if q := reqs[1].URL.Query(); q.Get("type") != "posted" || q.Has("type__in") || q.Get("limit") != "100" {
		t.Errorf("one type: %s", reqs[1].URL)
	}
	if q := reqs[2].URL.Query(); q.Has("type") || q.Has("type__in") || q.Get("limit") != "1000" {
		t.Errorf("no type: %s", reqs[2].URL)
	}
	if s := c.Stats(); s.Requests != 3 || s.Bytes != int64(3*len(page)) {
		t.Errorf("stats %+v", s)
	}
}

func TestPagingSafety(t *testing.T) {
	t.Run("query-only next resolves against the page", func(t *testing.T) {
		rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("offset") == "" {
				jsonHandler(200, `{"meta": {"next": "?format=json&limit=1&offset=1"}, "objects": [{"id": 5, "acronym": "x"}]}`)(w, r)
				return
			}
			jsonHandler(200, emptyPage)(w, r)
		})
		c := New(rec.srv.URL)
		n := 0
		if err := c.Groups(context.Background(), url.Values{"limit": {"1"}}, func(gs []Group) error { n += len(gs); return nil }); err != nil {
			t.Fatal(err)
		}
		if reqs := rec.requests(); n != 1 || len(reqs) != 2 || reqs[1].URL.RequestURI() != "/api/v1/group/group/?format=json&limit=1&offset=1" {
			t.Errorf("n=%d requests %v", n, reqs)
		}
	})
	t.Run("next to another host", func(t *testing.T) {
		rec := newRecorder(t, jsonHandler(200, `{"meta": {"next": "https://evil.example/api/v1/group/group/?offset=20"}, "objects": []}`))
		err := New(rec.srv.URL).Groups(context.Background(), nil, func([]Group) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "another host") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("next loop", func(t *testing.T) {
		rec := newRecorder(t, jsonHandler(200, `{"meta": {"next": "/api/v1/group/group/?format=json&limit=1000"}, "objects": []}`))
		err := New(rec.srv.URL).Groups(context.Background(), nil, func([]Group) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "loop") {
			t.Errorf("err = %v", err)
		}
		if n := len(rec.requests()); n > 2 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("callback error stops the walk", func(t *testing.T) {
		rec := newRecorder(t, jsonHandler(200, `{"meta": {"next": "/api/v1/group/group/?offset=1"}, "objects": [{"id": 1}]}`))
		stop := errors.New("stop")
		err := New(rec.srv.URL).Groups(context.Background(), nil, func([]Group) error { return stop })
		if err != stop || IsTransient(err) || len(rec.requests()) != 1 {
			t.Errorf("err = %v, %d requests", err, len(rec.requests()))
		}
	})
}

func TestErrorClasses(t *testing.T) {
	ctx := context.Background()
	type check func(t *testing.T, err error)
	for _, tc := range []struct {
		name      string
		h         http.HandlerFunc
		transient bool
		check     check
	}{
		{"404", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }, false, func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/api/v1/liaisons/liaisonstatement/99/") {
				t.Errorf("err = %v", err)
			}
		}},
		{"404 HTML page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			fmt.Fprint(w, "<html>Not found</html>")
		}, false, func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v", err)
			}
		}},
		{"500", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			fmt.Fprint(w, "<h1>Server Error (500)</h1>\n\n<p>\x00oops</p>")
		}, true, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != 500 || he.Body != "<h1>Server Error (500)</h1> <p> oops</p>" || he.RetryAfter != 0 {
				t.Errorf("err = %#v", err)
			}
		}},
		{"503 with Retry-After date", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(503)
		}, true, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.RetryAfter < 80*time.Second || he.RetryAfter > 91*time.Second {
				t.Errorf("err = %#v", err)
			}
		}},
		{"429", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(429)
		}, true, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != 429 || he.RetryAfter != 30*time.Second || !strings.Contains(err.Error(), "retry after 30s") {
				t.Errorf("err = %v", err)
			}
		}},
		{"429 absurd Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "99999999999")
			w.WriteHeader(429)
		}, true, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.RetryAfter != MaxRetryAfter {
				t.Errorf("err = %#v", err)
			}
		}},
		{"403", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(403) }, false, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != 403 {
				t.Errorf("err = %v", err)
			}
		}},
		{"HTML page with 200", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!DOCTYPE html><html><body>maintenance</body></html>")
		}, true, func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotJSON) || !strings.Contains(err.Error(), "maintenance") {
				t.Errorf("err = %v", err)
			}
		}},
		{"HTML labelled JSON", jsonHandler(200, "\n<html>oops</html>"), true, func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotJSON) {
				t.Errorf("err = %v", err)
			}
		}},
		{"empty body", jsonHandler(200, ""), true, func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotJSON) {
				t.Errorf("err = %v", err)
			}
		}},
		{"truncated JSON", jsonHandler(200, `{"id": 99, "title": "LS on`), true, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) || !de.Malformed || !errors.Is(err, ErrNotJSON) || !strings.Contains(err.Error(), "/liaisonstatement/99/") {
				t.Errorf("err = %v", err)
			}
		}},
		{"wrong shape", jsonHandler(200, `{"id": 99, "from_groups": "/api/v1/group/group/1/"}`), false, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) || de.Malformed || errors.Is(err, ErrNotJSON) {
				t.Errorf("err = %v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, tc.h)
			_, err := New(rec.srv.URL).Statement(ctx, 99)
			if err == nil {
				t.Fatal("no error")
			}
			if IsTransient(err) != tc.transient {
				t.Errorf("IsTransient(%v) = %v", err, !tc.transient)
			}
			tc.check(t, err)
		})
	}
}

func TestTimeoutsAndCancel(t *testing.T) {
	release := make(chan struct{})
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)

	c := New(rec.srv.URL, WithTimeout(50*time.Millisecond))
	start := time.Now()
	_, err := c.Statement(context.Background(), 1)
	if !errors.Is(err, context.DeadlineExceeded) || !IsTransient(err) {
		t.Errorf("timeout: %v (transient %v)", err, IsTransient(err))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	_, err = New(rec.srv.URL).Statement(ctx, 1)
	if !errors.Is(err, context.Canceled) || IsTransient(err) {
		t.Errorf("cancel: %v (transient %v)", err, IsTransient(err))
	}

	// A custom http.Client's own timeout applies too.
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	_, err = New(rec.srv.URL, WithHTTPClient(hc), WithTimeout(0)).Statement(context.Background(), 1)
	if err == nil || !IsTransient(err) {
		t.Errorf("client timeout: %v", err)
	}
}

func TestNetworkErrorIsTransient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = New("http://"+addr).Group(context.Background(), 1)
	if err == nil || !IsTransient(err) {
		t.Errorf("connection refused: %v (transient %v)", err, IsTransient(err))
	}
}

func TestBadBaseURL(t *testing.T) {
	for _, base := range []string{"ftp://x", "datatracker.ietf.org", "http://%zz"} {
		if _, err := New(base).Group(context.Background(), 1); err == nil || IsTransient(err) {
			t.Errorf("%q: %v", base, err)
		}
	}
	if New("").BaseURL() != DefaultBaseURL {
		t.Error(New("").BaseURL())
	}
}

func TestOptions(t *testing.T) {
	rec := newRecorder(t, jsonHandler(200, `{"id": 3, "name": "A", "plain": "B"}`))
	p, err := New(rec.srv.URL, WithUserAgent("test-agent/1")).Person(context.Background(), 3)
	if err != nil || p.DisplayName() != "B" {
		t.Fatal(p, err)
	}
	if ua := rec.requests()[0].Header.Get("User-Agent"); ua != "test-agent/1" {
		t.Errorf("UA %q", ua)
	}
}

func TestDocumentNames(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/doc/document/rfc9110/" {
			jsonHandler(200, `{"name": "rfc9110", "type": "/api/v1/name/doctypename/rfc/", "rfc_number": 9110}`)(w, r)
			return
		}
		w.WriteHeader(404)
	})
	c := New(rec.srv.URL)
	d, err := c.Document(context.Background(), " RFC9110 ")
	if err != nil || d.RFCNumber != 9110 {
		t.Fatal(d, err)
	}
	for _, bad := range []string{"", "../group/group/1", "draft-x?y", "draft-ietf-foo-07"} {
		if _, err := c.Document(context.Background(), bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if got := len(rec.requests()); got != 2 {
		t.Errorf("%d requests: invalid names must not be requested", got)
	}
}

func TestGroupByAcronym(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("acronym") == "teas" {
			jsonHandler(200, `{"meta": {}, "objects": [{"id": 1985, "acronym": "teas", "type": "/api/v1/name/grouptypename/wg/"}]}`)(w, r)
			return
		}
		jsonHandler(200, emptyPage)(w, r)
	})
	c := New(rec.srv.URL)
	g, err := c.GroupByAcronym(context.Background(), "teas")
	if err != nil || g.ID != 1985 || g.Type != "wg" {
		t.Errorf("teas: %+v %v", g, err)
	}
	if _, err := c.GroupByAcronym(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("nope: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"120":                           2 * time.Minute,
		"soon":                          0,
		"Wed, 01 Jan 2025 00:00:30 GMT": 30 * time.Second,
		"Tue, 31 Dec 2024 00:00:00 GMT": 0,
		"Fri, 01 Jan 2100 00:00:00 GMT": MaxRetryAfter,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
