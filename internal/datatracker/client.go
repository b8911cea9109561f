package datatracker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the production Datatracker.
const DefaultBaseURL = "https://datatracker.ietf.org"

// DefaultTimeout bounds each request unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

// DefaultUserAgent identifies the bot to the Datatracker's operators.
const DefaultUserAgent = "liaisonbot (+https://github.com/liaisonbot/liaisonbot)"

// MaxPageSize is tastypie's max_limit: the most objects one page can hold.
const MaxPageSize = 1000

// maxBody bounds a response body (a 1000-statement page is a few MB).
const maxBody = 64 << 20

// Client reads the Datatracker API. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	baseStr string
	initErr error
	hc      *http.Client
	timeout time.Duration
	ua      string

	requests atomic.Int64
	bytes    atomic.Int64
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the http.Client (transport, proxy, its own timeout).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTimeout bounds each request, body included (default DefaultTimeout;
// 0 or less means no bound beyond the context's).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.ua = ua
		}
	}
}

// New returns a client for the Datatracker at baseURL ("" for
// DefaultBaseURL). A malformed base URL makes every call fail.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{hc: http.DefaultClient, timeout: DefaultTimeout, ua: DefaultUserAgent}
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	c.baseStr = strings.TrimRight(baseURL, "/")
	u, err := url.Parse(c.baseStr)
	switch {
	case err != nil:
		c.initErr = fmt.Errorf("datatracker: base URL %q: %v", baseURL, err)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		c.initErr = fmt.Errorf("datatracker: base URL %q: want http(s)://host", baseURL)
	default:
		c.base = u
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL is the base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.baseStr }

// Stats counts the client's traffic since it was made.
type Stats struct {
	Requests int64 // HTTP requests sent, failed ones included
	Bytes    int64 // response body bytes read (after transparent gzip decoding)
}

// Stats returns the request and byte counters.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Bytes: c.bytes.Load()}
}

// url builds <base>/api/v1/<resource>/[key/]?<q>&format=json.
func (c *Client) url(resource, key string, q url.Values) string {
	p := apiPath(resource)
	if key != "" {
		p += url.PathEscape(key) + "/"
	}
	v := url.Values{}
	for k, vs := range q {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("format", "json")
	return c.baseStr + p + "?" + v.Encode()
}

// get fetches u and returns its body once it is known to be JSON.
func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	if c.initErr != nil {
		return nil, c.initErr
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("datatracker: GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error: names the URL, unwraps to context and net errors.
		return nil, &transportError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	c.bytes.Add(int64(len(body)))
	if err != nil {
		return nil, &transportError{fmt.Errorf("datatracker: GET %s: reading body: %w", u, err)}
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("datatracker: GET %s: response larger than %d bytes", u, maxBody)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s", ErrNotFound, u)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, &HTTPError{
			URL:        u,
			Status:     resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Body:       snippet(body),
		}
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if strings.Contains(mt, "html") || len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return nil, fmt.Errorf("%w: GET %s: status %d, Content-Type %q: %s", ErrNotJSON, u, resp.StatusCode, ct, snippet(body))
	}
	return body, nil
}

// decodeErr wraps a json error with the URL, telling malformed JSON from a
// shape mismatch.
func decodeErr(u string, err error) error {
	var se *json.SyntaxError
	malformed := errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF)
	return &DecodeError{URL: u, Malformed: malformed, Err: err}
}

// page is a tastypie list envelope.
type page struct {
	Meta struct {
		Limit      int        `json:"limit"`
		Next       nullString `json:"next"`
		Offset     int        `json:"offset"`
		Previous   nullString `json:"previous"`
		TotalCount int        `json:"total_count"`
	} `json:"meta"`
	Objects []json.RawMessage `json:"objects"`
}

func decodePage[T any](u string, body []byte, conv func([]byte) (T, error)) ([]T, string, error) {
	if !json.Valid(body) {
		var v any
		return nil, "", decodeErr(u, json.Unmarshal(body, &v))
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", decodeErr(u, err)
	}
	if p.Objects == nil {
		return nil, "", &DecodeError{URL: u, Err: errors.New(`not a list response: no "objects"`)}
	}
	out := make([]T, 0, len(p.Objects))
	for i, raw := range p.Objects {
		t, err := conv(raw)
		if err != nil {
			return nil, "", &DecodeError{URL: u, Err: fmt.Errorf("object %d: %w", i, err)}
		}
		out = append(out, t)
	}
	return out, string(p.Meta.Next), nil
}

func (c *Client) detail(ctx context.Context, resource, key string, into func([]byte) error) error {
	u := c.url(resource, key, nil)
	body, err := c.get(ctx, u)
	if err != nil {
		return err
	}
	if !json.Valid(body) {
		var v any
		return decodeErr(u, json.Unmarshal(body, &v))
	}
	if err := into(body); err != nil {
		return &DecodeError{URL: u, Err: err}
	}
	return nil
}

// resolveNext resolves a meta.next URL against the page it came from (for
// tastypie's absolute paths that is the base URL's scheme and host),
// refusing other hosts.
func (c *Client) resolveNext(page, next string) (string, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("datatracker: bad next URL %q: %w", next, err)
	}
	cur, err := url.Parse(page)
	if err != nil {
		return "", fmt.Errorf("datatracker: bad page URL %q: %w", page, err)
	}
	abs := cur.ResolveReference(ref)
	if abs.Scheme != c.base.Scheme || abs.Host != c.base.Host {
		return "", fmt.Errorf("datatracker: refusing to follow next URL %q to another host", next)
	}
	return abs.String(), nil
}

// walk lists a resource page by page, calling fn with each non-empty page.
func walk[T any](ctx context.Context, c *Client, resource string, q url.Values, orderByID bool, conv func([]byte) (T, error), fn func([]T) error) error {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if v.Get("limit") == "" {
		v.Set("limit", strconv.Itoa(MaxPageSize))
	}
	if orderByID && v.Get("order_by") == "" {
		v.Set("order_by", "id")
	}
	u := c.url(resource, "", v)
	seen := map[string]bool{}
	for u != "" {
		if seen[u] {
			return fmt.Errorf("datatracker: paging loop at %s", u)
		}
		seen[u] = true
		body, err := c.get(ctx, u)
		if err != nil {
			return err
		}
		items, next, err := decodePage(u, body, conv)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
		page := u
		u = ""
		if next != "" {
			if u, err = c.resolveNext(page, next); err != nil {
				return err
			}
		}
	}
	return nil
}

// one fetches the first page of a list query.
func one[T any](ctx context.Context, c *Client, resource string, q url.Values, conv func([]byte) (T, error)) ([]T, error) {
	u := c.url(resource, "", q)
	body, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	items, _, err := decodePage(u, body, conv)
	return items, err
}

// EventsAfter returns, in one request, up to limit liaison statement events
// with id > afterID in id order, restricted to the given event types (all
// types if none): liaisonstatementevent/?type__in=…&id__gt=N&order_by=id&limit=L.
// limit <= 0 means 100; more than MaxPageSize is cut to it. An idle poll is
// one small request however long the history. The page's next link is not
// followed: call again after the last id returned.
func (c *Client) EventsAfter(ctx context.Context, afterID int64, types []string, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxPageSize)
	q := url.Values{}
	switch len(types) {
	case 0:
	case 1:
		q.Set("type", types[0])
	default:
		q.Set("type__in", strings.Join(types, ","))
	}
	q.Set("id__gt", strconv.FormatInt(afterID, 10))
	q.Set("order_by", "id")
	q.Set("limit", strconv.Itoa(limit))
	return one(ctx, c, resEvent, q, DecodeEvent)
}

// Statement fetches one liaison statement.
func (c *Client) Statement(ctx context.Context, id int64) (Statement, error) {
	var s Statement
	err := c.detail(ctx, resStatement, strconv.FormatInt(id, 10), func(b []byte) (err error) {
		s, err = DecodeStatement(b)
		return err
	})
	return s, err
}

// Statements walks every statement matching q (e.g. state=posted,
// id__gt=N, to_groups__acronym=teas), a page at a time: the bulk backfill.
func (c *Client) Statements(ctx context.Context, q url.Values, fn func([]Statement) error) error {
	return walk(ctx, c, resStatement, q, true, DecodeStatement, fn)
}

// Events walks every statement event matching q (e.g. statement=2041).
func (c *Client) Events(ctx context.Context, q url.Values, fn func([]Event) error) error {
	return walk(ctx, c, resEvent, q, true, DecodeEvent, fn)
}

// Related walks statement relations matching q: all, or source=<id> (what a
// statement refers to) or target=<id> (what refers to it, e.g. replies).
func (c *Client) Related(ctx context.Context, q url.Values, fn func([]Related) error) error {
	return walk(ctx, c, resRelated, q, true, DecodeRelated, fn)
}

// Attachments walks statement attachments matching q (e.g. statement=<id>).
func (c *Client) Attachments(ctx context.Context, q url.Values, fn func([]Attachment) error) error {
	return walk(ctx, c, resAttachment, q, true, DecodeAttachment, fn)
}

// Groups walks groups matching q (e.g. type=wg&state=active, parent=<id>).
func (c *Client) Groups(ctx context.Context, q url.Values, fn func([]Group) error) error {
	return walk(ctx, c, resGroup, q, false, DecodeGroup, fn)
}

// Group fetches one group by id.
func (c *Client) Group(ctx context.Context, id int64) (Group, error) {
	var g Group
	err := c.detail(ctx, resGroup, strconv.FormatInt(id, 10), func(b []byte) (err error) {
		g, err = DecodeGroup(b)
		return err
	})
	return g, err
}

// GroupByAcronym finds a group by acronym (ErrNotFound if none).
func (c *Client) GroupByAcronym(ctx context.Context, acronym string) (Group, error) {
	q := url.Values{}
	q.Set("acronym", acronym)
	q.Set("limit", "2")
	gs, err := one(ctx, c, resGroup, q, DecodeGroup)
	if err != nil {
		return Group{}, err
	}
	for _, g := range gs {
		if strings.EqualFold(g.Acronym, acronym) {
			return g, nil
		}
	}
	return Group{}, fmt.Errorf("%w: group %q", ErrNotFound, acronym)
}

// Roles walks roles matching q, e.g. name__in=chair,secr,ad,liaiman,liaison_coordinator
// or group__acronym=teas&name=chair.
func (c *Client) Roles(ctx context.Context, q url.Values, fn func([]Role) error) error {
	return walk(ctx, c, resRole, q, true, DecodeRole, fn)
}

// People walks persons matching q (e.g. id__in=1,2,3).
func (c *Client) People(ctx context.Context, q url.Values, fn func([]Person) error) error {
	return walk(ctx, c, resPerson, q, false, DecodePerson, fn)
}

// Person fetches one person by id.
func (c *Client) Person(ctx context.Context, id int64) (Person, error) {
	var p Person
	err := c.detail(ctx, resPerson, strconv.FormatInt(id, 10), func(b []byte) (err error) {
		p, err = DecodePerson(b)
		return err
	})
	return p, err
}

// Document fetches a document by name ("draft-ietf-teas-yang-te-topo",
// "rfc9110", a liaison attachment's name). Names are lower-cased, as the
// Datatracker stores them. Unknown names, and draft names with a revision
// suffix ("-07"), give ErrNotFound.
func (c *Client) Document(ctx context.Context, name string) (Document, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || strings.ContainsAny(name, "/?#") {
		return Document{}, fmt.Errorf("%w: document name %q", ErrNotFound, name)
	}
	var d Document
	err := c.detail(ctx, resDocument, name, func(b []byte) (err error) {
		d, err = DecodeDocument(b)
		return err
	})
	return d, err
}

// Documents walks documents matching q (e.g. name__in=a,b,c: the titles
// and files of liaison attachments in bulk).
func (c *Client) Documents(ctx context.Context, q url.Values, fn func([]Document) error) error {
	return walk(ctx, c, resDocument, q, false, DecodeDocument, fn)
}

// BecameRFC returns the name of the RFC document ("rfc8795") a draft
// became, from the relateddocument relation became_rfc, or "" if none.
func (c *Client) BecameRFC(ctx context.Context, draft string) (string, error) {
	q := url.Values{}
	q.Set("source__name", strings.ToLower(strings.TrimSpace(draft)))
	q.Set("relationship", "became_rfc")
	rs, err := one(ctx, c, resRelatedDoc, q, decodeDocRelation)
	if err != nil {
		return "", err
	}
	for _, r := range rs {
		if r.Relationship == "became_rfc" {
			return r.Target, nil
		}
	}
	return "", nil
}

// RFCDocName is the document name of RFC n: "rfc9110".
func RFCDocName(n int) string { return "rfc" + strconv.Itoa(n) }
