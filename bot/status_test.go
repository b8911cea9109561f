package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// /liaison status answers with real figures: the last successful read and
// the mirror after the backfill, the failure while the Datatracker fails,
// and the recovery (issue 16 point 5).
func TestMatrixStatusAfterFailureAndRecovery(t *testing.T) {
	w := newAnnounceWorld(t)
	r := w.start(t)
	ctx := context.Background()
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(ctx); return n == 3 }, "no backfill")
	ls := w.post("a statement announced today")
	w.waitAnnounced(t, ls)

	status := func(want ...string) string {
		t.Helper()
		answers := func() []string {
			var out []string
			for _, n := range notices(t, w.Chair, w.WGRoom, w.Bot.ID) {
				if strings.Contains(n.Body, "liaisonbot status") {
					out = append(out, n.Body)
				}
			}
			return out
		}
		before := len(answers())
		say(t, w.Chair, w.WGRoom, "!liaison status")
		var body string
		testenv.Eventually(t, 30*time.Second, func() bool {
			a := answers()
			if len(a) > before {
				body = a[len(a)-1]
				return true
			}
			return false
		}, "no status answer")
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("status lacks %q:\n%s", s, body)
			}
		}
		return body
	}
	ok := status("last read successfully", "Mirror: 4 statements", "Today (UTC): 2 announcement(s)", "Leading replica: liaisonbot ", "Version: ")
	if strings.Contains(ok, "Failing since then") {
		t.Errorf("a failure is reported while the Datatracker answers:\n%s", ok)
	}

	// The Datatracker fails: status says so, with the error.
	w.DT.FailNext(100000, dtfake.Fault500)
	testenv.Eventually(t, 30*time.Second, func() bool {
		st, _, err := r.Bot.Store.GetSyncState(ctx, store.CursorPostedEvents)
		return err == nil && st.LastError != ""
	}, "the failing poll was not recorded")
	status("Failing since then: ", "500")

	// It recovers: the failure is gone from the status.
	w.DT.ClearFaults()
	testenv.Eventually(t, 30*time.Second, func() bool {
		st, _, err := r.Bot.Store.GetSyncState(ctx, store.CursorPostedEvents)
		return err == nil && st.LastError == ""
	}, "the poll did not recover")
	if body := status("last read successfully"); strings.Contains(body, "Failing since then") {
		t.Errorf("the failure is still reported after recovery:\n%s", body)
	}
}
