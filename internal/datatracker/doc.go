// Package datatracker is a read-only client for the IETF Datatracker's public
// JSON API (tastypie v1, under /api/v1/). The Datatracker is the system of
// record for liaison statements (4053bis §3: every statement sent or received
// is recorded there); liaisonbot only reads it.
//
// # Shapes
//
// The API returns foreign keys as resource URIs, never as nested objects:
// "/api/v1/group/group/1985/", "/api/v1/name/liaisonstatementstate/posted/",
// "/api/v1/doc/document/<name>/". The typed values here carry the parsed keys
// (numeric ids for groups, people, statements; slugs for name tables; names
// for documents). Nullable text ("other_identifiers": null) and empty text
// are both decoded as "".
//
// A statement's from_contact comes in two shapes (datatracker/NOTES.md §2.1):
// since June 2025 a free-form mailbox string such as
// "Jane Doe <jdoe@example.org>" or "", and before that a person/email
// resource URI "/api/v1/person/email/<addr>/" or null. [Statement.FromContact]
// is always a mailbox string (the bare address for the old shape, "" for null).
//
// Deadlines are dates without a zone ("2025-09-30"). [Statement.Deadline]
// keeps that string and [Statement.DeadlineDate] the same date as a time.Time
// at 00:00 UTC. The Datatracker reads deadlines in America/Los_Angeles
// (NOTES §4); converting is the caller's business.
//
// # Paging
//
// List methods walk every page by following meta.next exactly as the server
// gives it (tastypie keeps the other query parameters and appends limit and
// offset). Relative next URLs are resolved against the page they came from
// (tastypie gives absolute paths, so: against the base URL's scheme and
// host); a next URL that points at another host is refused. Unless the query says otherwise the
// walkers ask for 1000 objects a page (the API maximum), and for liaison
// resources and roles they add order_by=id so that offset paging stays stable
// while rows are appended during a long walk.
//
// An incremental poll is [Client.EventsAfter]: one request for the events
// after the last event id seen, however long the history (NOTES §2.1
// "Suggested polling"; statements can be posted out of id order, events
// catch that).
//
// # Errors
//
//   - [ErrNotFound]: HTTP 404.
//   - [*HTTPError]: any other non-2xx status, with Retry-After if given.
//   - [ErrNotJSON]: a 2xx response that is an HTML page or not JSON at all
//     (a proxy's or maintenance page). Truncated or malformed JSON is a
//     [*DecodeError] that also matches ErrNotJSON.
//   - [*DecodeError]: the body is JSON but not of the expected shape.
//   - context and network errors are returned as net/http gives them
//     (errors.Is(err, context.DeadlineExceeded) works).
//
// [IsTransient] tells errors worth retrying later (5xx, 429, time-outs,
// network errors, HTML pages, malformed JSON) from permanent ones. The client
// never retries or sleeps by itself: the poller owns the back-off.
package datatracker
