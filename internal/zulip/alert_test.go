package zulip_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/zulip/zulipfake"
)

// userQueue registers an event queue for u with u's own credentials, as
// u's Zulip client does, and returns a func reading the "mentioned" flag
// of each new message event (message ID → mentioned).
func userQueue(t *testing.T, f *zulipfake.Server, u *zulipfake.User) func() map[int]bool {
	t.Helper()
	call := func(method, path string, form url.Values, out any) {
		t.Helper()
		target := f.URL() + "/api/v1" + path
		var req *http.Request
		var err error
		if method == http.MethodGet {
			req, err = http.NewRequest(method, target+"?"+form.Encode(), nil)
		} else {
			req, err = http.NewRequest(method, target, strings.NewReader(form.Encode()))
			if req != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(u.Email, u.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s as %s: HTTP %d", method, path, u.Email, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	var reg struct {
		QueueID     string `json:"queue_id"`
		LastEventID int    `json:"last_event_id"`
	}
	call(http.MethodPost, "/register", url.Values{"event_types": {`["message"]`}}, &reg)
	last := reg.LastEventID
	return func() map[int]bool {
		var evs struct {
			Events []struct {
				ID      int      `json:"id"`
				Type    string   `json:"type"`
				Flags   []string `json:"flags"`
				Message struct {
					ID int `json:"id"`
				} `json:"message"`
			} `json:"events"`
		}
		call(http.MethodGet, "/events", url.Values{"queue_id": {reg.QueueID}, "last_event_id": {strconv.Itoa(last)}, "dont_block": {"true"}}, &evs)
		out := map[int]bool{}
		for _, e := range evs.Events {
			last = max(last, e.ID)
			if e.Type != "message" {
				continue
			}
			out[e.Message.ID] = false
			for _, fl := range e.Flags {
				if fl == "mentioned" {
					out[e.Message.ID] = true
				}
			}
		}
		return out
	}
}

// TestAlertMentionsNotifyOthersAreSilent: in an Alert the people it is
// meant to alert get a real mention (their client sees the "mentioned"
// flag) and names shown for information stay silent; in any other message
// every mention is silent, so nobody is pinged by routine output.
func TestAlertMentionsNotifyOthersAreSilent(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	aliceEvents := userQueue(t, w.fake, w.alice)
	modEvents := userQueue(t, w.fake, w.mod)
	alice := chat.User{ID: strconv.Itoa(w.alice.ID), DisplayName: "Alice Chair"}
	mod := chat.User{ID: "mod@example.org", Email: "mod@example.org", DisplayName: "Mo"}
	doc := chat.NewDoc(chat.P(chat.T("Approval needed from "), chat.M(alice), chat.T("; submitted by "), chat.MSilent(mod)))

	send := func(alert bool, key string) (int, string) {
		t.Helper()
		sent, err := tr.Send(context.Background(), chat.Outgoing{Room: "teas", Thread: "pings", Body: doc, Notice: true, Alert: alert, TxnKey: key})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := strconv.Atoi(sent.ID)
		m, _ := w.fake.Message(id)
		return id, m.Content
	}
	alertID, alertContent := send(true, "alert")
	quietID, quietContent := send(false, "quiet")
	t.Logf("alert: %s\nquiet: %s", alertContent, quietContent)

	aliceReal := "@**Alice Chair|" + strconv.Itoa(w.alice.ID) + "**"
	aliceSilent := "@_**Alice Chair|" + strconv.Itoa(w.alice.ID) + "**"
	modSilent := "@_**Mo Derator|" + strconv.Itoa(w.mod.ID) + "**"
	if !strings.Contains(alertContent, aliceReal) || !strings.Contains(alertContent, modSilent) {
		t.Errorf("alert content %q: want %q and %q", alertContent, aliceReal, modSilent)
	}
	if !strings.Contains(quietContent, aliceSilent) || !strings.Contains(quietContent, modSilent) || strings.Contains(quietContent, aliceReal) {
		t.Errorf("quiet content %q: want only silent mentions (%q, %q)", quietContent, aliceSilent, modSilent)
	}

	// What each person's client observes.
	a, m := aliceEvents(), modEvents()
	if got, ok := a[alertID]; !ok || !got {
		t.Errorf("Alice was not mentioned by the alert (events %v)", a)
	}
	if got, ok := a[quietID]; !ok || got {
		t.Errorf("Alice was pinged by a non-alert message (events %v)", a)
	}
	for _, id := range []int{alertID, quietID} {
		if got, ok := m[id]; !ok || got {
			t.Errorf("Mo, named silently, got message %d with mentioned=%v present=%v", id, got, ok)
		}
	}
}

// TestOwnAlertIsNoCommand: an Alert pings for real, but the bot's own
// message, even one reading like a command, never comes back as an event.
func TestOwnAlertIsNoCommand(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	rec := &sinkRec{}
	run(t, tr, rec)
	alice := chat.User{ID: strconv.Itoa(w.alice.ID), DisplayName: "Alice Chair"}
	if _, err := tr.Send(context.Background(), chat.Outgoing{Room: "teas", Thread: "LS 9", Notice: true, Alert: true, TxnKey: "own",
		Body: chat.NewDoc(chat.P(chat.T("/liaison help "), chat.M(alice)))}); err != nil {
		t.Fatal(err)
	}
	id := w.fake.Post(w.alice.Email, "teas", "LS 9", "/liaison help")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(id)) == 1 }, "Alice's message not delivered")
	time.Sleep(300 * time.Millisecond)
	if all := rec.all(); len(all) != 1 {
		t.Fatalf("events %+v: the bot's own message was delivered", all)
	}
}
