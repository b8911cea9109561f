package dtfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
)

func started(t *testing.T) *dtfake.Server {
	t.Helper()
	f := dtfake.New()
	f.Start()
	t.Cleanup(f.Close)
	return f
}

func get(t *testing.T, f *dtfake.Server, path string) (int, any) {
	t.Helper()
	resp, err := http.Get(f.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, b)
		}
	}
	return resp.StatusCode, v
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every request of roles.example.json gets exactly the example's response.
func TestFixturesMatchRolesExample(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	var ex struct {
		Responses []struct {
			Request  string
			Response any
		}
	}
	if err := json.Unmarshal(readExample(t, "roles.example.json"), &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex.Responses) < 10 {
		t.Fatalf("only %d examples", len(ex.Responses))
	}
	for _, r := range ex.Responses {
		path := strings.TrimPrefix(r.Request, "GET ")
		status, got := get(t, f, path)
		if status != 200 {
			t.Errorf("%s: status %d", path, status)
			continue
		}
		if !reflect.DeepEqual(got, r.Response) {
			gb, _ := json.MarshalIndent(got, "", " ")
			wb, _ := json.MarshalIndent(r.Response, "", " ")
			t.Errorf("%s:\n got %s\nwant %s", path, gb, wb)
		}
	}
}

// The statements of liaisonstatement-list.example.json, with the meta the
// fake can match (it holds 3 statements, the example's total is invented).
func TestFixturesMatchStatementExample(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	var want map[string]any
	if err := json.Unmarshal(readExample(t, "liaisonstatement-list.example.json"), &want); err != nil {
		t.Fatal(err)
	}
	status, got := get(t, f, "/api/v1/liaisons/liaisonstatement/?format=json&state=posted&order_by=-id&limit=3")
	if status != 200 {
		t.Fatal(status)
	}
	g := got.(map[string]any)
	if !reflect.DeepEqual(g["objects"], want["objects"]) {
		gb, _ := json.MarshalIndent(g["objects"], "", " ")
		t.Errorf("objects differ from the example:\n%s", gb)
	}
	gm, wm := g["meta"].(map[string]any), want["meta"].(map[string]any)
	for _, k := range []string{"limit", "offset", "previous"} {
		if !reflect.DeepEqual(gm[k], wm[k]) {
			t.Errorf("meta.%s = %v, want %v", k, gm[k], wm[k])
		}
	}
	if gm["total_count"] != float64(3) || gm["next"] != nil {
		t.Errorf("meta %v", gm)
	}
}

func TestNextLinkFormat(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	f.Generate(40, 1)
	_, v := get(t, f, "/api/v1/liaisons/liaisonstatement/?format=json&state=posted&order_by=-id&limit=3")
	meta := v.(map[string]any)["meta"].(map[string]any)
	if meta["next"] != "/api/v1/liaisons/liaisonstatement/?format=json&state=posted&order_by=-id&limit=3&offset=3" {
		t.Errorf("next = %v", meta["next"])
	}
	// limit and offset move to the end; other parameters keep their order;
	// a comma is encoded as Django's QueryDict.urlencode does.
	_, v = get(t, f, "/api/v1/group/role/?limit=2&offset=2&name__in=chair,ad&format=json")
	meta = v.(map[string]any)["meta"].(map[string]any)
	if meta["next"] != "/api/v1/group/role/?name__in=chair%2Cad&format=json&limit=2&offset=4" ||
		meta["previous"] != "/api/v1/group/role/?name__in=chair%2Cad&format=json&limit=2&offset=0" {
		t.Errorf("meta = %v", meta)
	}
}

func TestLimits(t *testing.T) {
	f := started(t)
	f.Generate(700, 2)
	_, events := f.Counts()
	for q, want := range map[string]float64{"": 20, "&limit=0": 1000, "&limit=5000": 1000, "&limit=7": 7} {
		_, v := get(t, f, "/api/v1/liaisons/liaisonstatementevent/?format=json"+q)
		m := v.(map[string]any)
		if m["meta"].(map[string]any)["limit"] != want || float64(len(m["objects"].([]any))) != min(want, float64(events)) {
			t.Errorf("%q: limit %v, %d objects", q, m["meta"].(map[string]any)["limit"], len(m["objects"].([]any)))
		}
	}
	for _, q := range []string{"limit=-1", "limit=x", "offset=-3", "order_by=time", "titel=x", "id__regex=3"} {
		if status, v := get(t, f, "/api/v1/liaisons/liaisonstatement/?"+q); status != 400 || v.(map[string]any)["error"] == "" {
			t.Errorf("%s: %d %v", q, status, v)
		}
	}
	// Groups have no order_by in the fake (their ordering is not known).
	if status, _ := get(t, f, "/api/v1/group/group/?order_by=id"); status != 400 {
		t.Errorf("group order_by: %d", status)
	}
	if status, _ := get(t, f, "/api/v1/liaisons/liaisonstatement/999999/"); status != 404 {
		t.Errorf("unknown statement: %d", status)
	}
	if status, _ := get(t, f, "/api/v1/nosuch/thing/"); status != 404 {
		t.Errorf("unknown resource: %d", status)
	}
}

// The default event order is the model's (-time, -id); order_by=id is ascending.
func TestEventOrder(t *testing.T) {
	f := started(t)
	f.Generate(30, 3)
	_, v := get(t, f, "/api/v1/liaisons/liaisonstatementevent/?limit=0")
	objs := v.(map[string]any)["objects"].([]any)
	prev := ""
	for _, o := range objs {
		tm := o.(map[string]any)["time"].(string)
		if prev != "" && tm > prev {
			t.Fatalf("default order not newest first: %s after %s", tm, prev)
		}
		prev = tm
	}
	_, v = get(t, f, "/api/v1/liaisons/liaisonstatementevent/?limit=0&order_by=id")
	var last float64
	for _, o := range v.(map[string]any)["objects"].([]any) {
		id := o.(map[string]any)["id"].(float64)
		if id <= last {
			t.Fatal("order_by=id not ascending")
		}
		last = id
	}
}

func TestFilters(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	count := func(path string) int {
		t.Helper()
		status, v := get(t, f, path)
		if status != 200 {
			t.Fatalf("%s: %d %v", path, status, v)
		}
		return int(v.(map[string]any)["meta"].(map[string]any)["total_count"].(float64))
	}
	for path, want := range map[string]int{
		"/api/v1/liaisons/liaisonstatement/?to_groups__acronym=teas":                                     1,
		"/api/v1/liaisons/liaisonstatement/?from_groups__type=sdo":                                       2,
		"/api/v1/liaisons/liaisonstatement/?to_groups__type=sdo":                                         1,
		"/api/v1/liaisons/liaisonstatement/?tags=required":                                               1,
		"/api/v1/liaisons/liaisonstatement/?deadline__gte=2025-09-01&state=posted":                       1,
		"/api/v1/liaisons/liaisonstatement/?deadline__isnull=true":                                       2,
		"/api/v1/liaisons/liaisonstatement/?title__icontains=YANG":                                       2,
		"/api/v1/liaisons/liaisonstatement/?id__in=2041,2043":                                            2,
		"/api/v1/liaisons/liaisonstatement/?id__gt=2041&id__lte=2042":                                    1,
		"/api/v1/liaisons/liaisonstatement/?purpose__in=action&purpose__in=response":                     2,
		"/api/v1/liaisons/liaisonstatementevent/?statement=2043":                                         3,
		"/api/v1/liaisons/liaisonstatementevent/?type__in=posted,approved&id__gt=9102":                   3,
		"/api/v1/liaisons/liaisonstatementevent/?statement__state=posted&type=posted":                    3,
		"/api/v1/liaisons/liaisonstatementattachment/?statement=2042&removed=false":                      1,
		"/api/v1/liaisons/relatedliaisonstatement/?source=2043":                                          1,
		"/api/v1/liaisons/relatedliaisonstatement/?target=2043":                                          0,
		"/api/v1/group/group/?type=sdo&state=active":                                                     4,
		"/api/v1/group/group/?parent__acronym=rtg":                                                       1,
		"/api/v1/group/role/?name__in=chair,secr,ad,liaiman,liaison_coordinator":                         16,
		"/api/v1/group/role/?person=120010":                                                              2,
		"/api/v1/group/role/?group__type=wg&name=ad":                                                     2,
		"/api/v1/person/email/?person=120001&active=true":                                                1,
		"/api/v1/doc/document/?type=rfc&group=1985":                                                      2,
		"/api/v1/doc/relateddocument/?source__name=draft-ietf-teas-yang-te-topo&relationship=became_rfc": 1,
		"/api/v1/name/liaisonstatementpurposename/":                                                      4,
	} {
		if got := count(path); got != want {
			t.Errorf("%s: %d, want %d", path, got, want)
		}
	}
}

func TestFaults(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	c := f.Client(datatracker.WithTimeout(200 * time.Millisecond))
	ctx := context.Background()

	f.FailNext(1, dtfake.Fault500)
	_, err := c.Statement(ctx, 2041)
	var he *datatracker.HTTPError
	if !errors.As(err, &he) || he.Status != 500 || !datatracker.IsTransient(err) {
		t.Errorf("500: %v", err)
	}

	f.SetRetryAfter("12")
	f.FailNext(1, dtfake.FaultRateLimit)
	_, err = c.Statement(ctx, 2041)
	if !errors.As(err, &he) || he.Status != 429 || he.RetryAfter != 12*time.Second || !datatracker.IsTransient(err) {
		t.Errorf("429: %v", err)
	}

	f.FailNext(1, dtfake.FaultHTMLPage)
	_, err = c.EventsAfter(ctx, 0, []string{"posted"}, 10)
	if !errors.Is(err, datatracker.ErrNotJSON) || !datatracker.IsTransient(err) {
		t.Errorf("HTML: %v", err)
	}

	f.FailNext(1, dtfake.FaultMalformedJSON)
	_, err = c.EventsAfter(ctx, 0, []string{"posted"}, 10)
	var de *datatracker.DecodeError
	if !errors.As(err, &de) || !de.Malformed || !datatracker.IsTransient(err) {
		t.Errorf("malformed: %v", err)
	}

	f.FailNext(1, dtfake.FaultTimeout)
	start := time.Now()
	_, err = c.Statement(ctx, 2041)
	if !errors.Is(err, context.DeadlineExceeded) || !datatracker.IsTransient(err) || time.Since(start) > 5*time.Second {
		t.Errorf("timeout: %v after %s", err, time.Since(start))
	}

	// Faults are queued in order and used up.
	f.FailNext(2, dtfake.Fault500)
	f.FailNext(1, dtfake.FaultRateLimit)
	for _, want := range []int{500, 500, 429} {
		if _, err := c.Statement(ctx, 2041); !errors.As(err, &he) || he.Status != want {
			t.Errorf("want %d, got %v", want, err)
		}
	}
	if s, err := c.Statement(ctx, 2041); err != nil || s.ID != 2041 {
		t.Errorf("after the faults: %v", err)
	}

	f.Fail404Group(dtfake.GroupTEAS)
	if _, err := c.Group(ctx, dtfake.GroupTEAS); !errors.Is(err, datatracker.ErrNotFound) || datatracker.IsTransient(err) {
		t.Errorf("404 group: %v", err)
	}
	if g, err := c.GroupByAcronym(ctx, "teas"); err != nil || g.ID != dtfake.GroupTEAS {
		t.Errorf("the group stays in lists: %v %v", g, err)
	}

	log := f.Requests()
	if len(log) != int(f.RequestCount()) || !strings.HasPrefix(log[0], "/api/v1/liaisons/liaisonstatement/2041/?format=json") {
		t.Errorf("log %v (count %d)", log, f.RequestCount())
	}
	if f.BytesServed() == 0 {
		t.Error("no bytes counted")
	}
	f.ResetRequests()
	if len(f.Requests()) != 0 {
		t.Error("log not reset")
	}
}

// Close returns even while a request hangs.
func TestCloseReleasesHangingRequest(t *testing.T) {
	f := dtfake.New()
	f.Start()
	f.LoadFixtures()
	f.FailNext(1, dtfake.FaultTimeout)
	errc := make(chan error, 1)
	go func() {
		_, err := datatracker.New(f.URL(), datatracker.WithTimeout(0)).Statement(context.Background(), 2041)
		errc <- err
	}()
	for f.RequestCount() == 0 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { f.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	if err := <-errc; err == nil {
		t.Error("the hanging request succeeded")
	}
}

func TestGenerateIsRealistic(t *testing.T) {
	f := started(t)
	f.Generate(600, 42)
	c := f.Client()
	ctx := context.Background()

	states := map[string]int{}
	purposes := map[string]int{}
	var deadlineMissing, taken int
	byID := map[int64]datatracker.Statement{}
	err := c.Statements(ctx, nil, func(ss []datatracker.Statement) error {
		for _, s := range ss {
			byID[s.ID] = s
			states[s.State]++
			purposes[s.Purpose]++
			if s.Purpose == "action" && s.DeadlineDate == nil {
				deadlineMissing++
			}
			for _, tag := range s.Tags {
				if tag == "taken" {
					taken++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(byID) != 600 {
		t.Fatalf("%d statements", len(byID))
	}
	for _, s := range []string{"posted", "pending", "dead"} {
		if states[s] == 0 {
			t.Errorf("no %s statements: %v", s, states)
		}
	}
	for _, p := range []string{"info", "action", "response", "comment"} {
		if purposes[p] == 0 {
			t.Errorf("no %s statements: %v", p, purposes)
		}
	}
	if deadlineMissing > 0 || taken == 0 {
		t.Errorf("%d action statements without deadline, %d taken", deadlineMissing, taken)
	}

	// Every response refers to what it answers, addressed back to its sender.
	rels := map[int64]datatracker.Related{}
	err = c.Related(ctx, nil, func(rs []datatracker.Related) error {
		for _, r := range rs {
			rels[r.Source] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, s := range byID {
		if s.Purpose != "response" {
			continue
		}
		r, ok := rels[id]
		if !ok {
			t.Errorf("response %d has no related statement", id)
			continue
		}
		if tg := byID[r.Target]; !reflect.DeepEqual(tg.FromGroups, s.ToGroups) || r.Target >= id {
			t.Errorf("response %d to %v answers %d from %v", id, s.ToGroups, r.Target, tg.FromGroups)
		}
	}

	// Event ids follow time; some statements are posted out of id order.
	var evs []datatracker.Event
	err = c.Events(ctx, nil, func(es []datatracker.Event) error { evs = append(evs, es...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var maxPosted int64
	outOfOrder := 0
	for i, e := range evs {
		if i > 0 && (e.ID <= evs[i-1].ID || e.Time.Before(evs[i-1].Time)) {
			t.Fatalf("event %d (%s) after %d (%s)", e.ID, e.Time, evs[i-1].ID, evs[i-1].Time)
		}
		if e.Type == "posted" {
			if e.StatementID < maxPosted {
				outOfOrder++
			}
			maxPosted = max(maxPosted, e.StatementID)
			if byID[e.StatementID].State != "posted" {
				t.Errorf("statement %d has a posted event but is %s", e.StatementID, byID[e.StatementID].State)
			}
		}
	}
	if outOfOrder == 0 {
		t.Error("no statement posted out of id order")
	}

	// Attachments have documents with files.
	n := 0
	err = c.Attachments(ctx, nil, func(as []datatracker.Attachment) error {
		for _, a := range as[:min(len(as), 3)] {
			d, err := c.Document(ctx, a.Document)
			if err != nil {
				return err
			}
			if d.Type != "liai-att" || d.AttachmentURL() == "" {
				t.Errorf("attachment document %+v", d)
			}
		}
		n += len(as)
		return nil
	})
	if err != nil || n == 0 {
		t.Errorf("attachments: %d %v", n, err)
	}

	// Same seed, same history.
	g := started(t)
	g.Generate(600, 42)
	for _, path := range []string{"/api/v1/liaisons/liaisonstatement/?limit=0", "/api/v1/liaisons/liaisonstatementevent/?limit=0&order_by=-id", "/api/v1/group/role/?limit=0"} {
		_, x := get(t, f, path)
		_, y := get(t, g, path)
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differs between runs with the same seed", path)
		}
	}
}

// Generate after LoadFixtures reuses the fixture groups and roles and
// continues the ids.
func TestGenerateAfterFixtures(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	last := f.LastEventID()
	f.Generate(50, 7)
	c := f.Client()
	ctx := context.Background()
	if s, err := c.Statement(ctx, 2044); err != nil || s.Title == "" {
		t.Fatal(s, err)
	}
	if _, ok := f.Statement(2093); !ok {
		t.Error("no statement 2093")
	}
	evs, err := c.EventsAfter(ctx, last, nil, 5)
	if err != nil || len(evs) == 0 || evs[0].ID != last+1 || evs[0].StatementID < 2044 {
		t.Errorf("events after the fixtures: %+v %v", evs, err)
	}
	n := 0
	err = c.Groups(ctx, values("acronym", "teas"), func(gs []datatracker.Group) error { n += len(gs); return nil })
	if err != nil || n != 1 {
		t.Errorf("teas groups: %d %v", n, err)
	}
}

func values(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// Changes the Datatracker makes without an event ("Mark as action taken"
// swaps required → taken; liaison_detail in ietf/liaisons/views.py) are
// visible in the API and leave the event list as it was; id__in= lists
// just the statements asked for.
func TestChangesWithoutEvents(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	ctx := context.Background()
	c := f.Client()
	before := f.LastEventID()
	f.SetTag(2042, "taken")
	f.Change(2041, func(s *datatracker.Statement) { s.Deadline = "2025-12-01"; s.Purpose = "action" })
	f.Unrelate(1210)
	if f.LastEventID() != before {
		t.Fatalf("an event was recorded: %d → %d", before, f.LastEventID())
	}
	var got []datatracker.Statement
	q := map[string][]string{"id__in": {"2041,2042"}}
	if err := c.Statements(ctx, q, func(ss []datatracker.Statement) error { got = append(got, ss...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != 2041 || got[1].ID != 2042 {
		t.Fatalf("id__in=2041,2042 gave %+v", got)
	}
	if got[0].DeadlineDate == nil || got[0].DeadlineDate.Format(time.DateOnly) != "2025-12-01" {
		t.Errorf("changed deadline not served: %v", got[0].DeadlineDate)
	}
	if strings.Join(got[1].Tags, ",") != "taken" {
		t.Errorf("tags after Mark as action taken: %v", got[1].Tags)
	}
	var rels []datatracker.Related
	if err := c.Related(ctx, map[string][]string{"target__in": {"2042"}}, func(rs []datatracker.Related) error { rels = append(rels, rs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rels) != 0 {
		t.Errorf("removed relation still served: %+v", rels)
	}
}

// FailNextAt fails only requests to its path; FaultNotFound is a 404.
func TestFailNextAt(t *testing.T) {
	f := started(t)
	f.LoadFixtures()
	ctx := context.Background()
	c := f.Client()
	f.FailNextAt(dtfake.StatementPath(2042), 1, dtfake.FaultNotFound)
	if _, err := c.Statement(ctx, 2041); err != nil {
		t.Fatalf("another statement failed: %v", err)
	}
	if _, err := c.Statement(ctx, 2042); !errors.Is(err, datatracker.ErrNotFound) {
		t.Fatalf("first request to 2042: %v, want not found", err)
	}
	if _, err := c.Statement(ctx, 2042); err != nil {
		t.Fatalf("second request to 2042: %v", err)
	}
}
