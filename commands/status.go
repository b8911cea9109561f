package commands

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// statusVerb lets anyone see for themselves that nothing is stuck: when
// the Datatracker was last read, what failed, how far behind the mirror
// is, and what the bot did today.
func statusVerb() *Verb {
	return &Verb{
		Name:    "status",
		Summary: "is the bot keeping up? Datatracker reads, the mirror, approvals, today's messages, version",
		Help: "Shows when the Datatracker was last read successfully and the last error since, how many statements the mirror " +
			"holds and how many are waiting to be fetched again, pending approvals (chat drafts and statements pending in the " +
			"Datatracker), announcements and reminders sent today, messages waiting or given up, which replica leads, and the " +
			"bot's version.",
		Run: runStatus,
	}
}

func runStatus(r *Request) error {
	if len(r.Parsed.Args) > 0 {
		return Usagef("status takes no arguments.")
	}
	now := r.Env.now()
	loc := r.Env.deadlineLoc()
	y, m, d := now.In(time.UTC).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	st, err := r.Q.ReadStatus(r.Ctx, r.Env.Platform, today, store.LeaderLockKey)
	if err != nil {
		return err
	}
	sync, ok, err := r.Q.GetSyncState(r.Ctx, store.CursorPostedEvents)
	if err != nil {
		return err
	}
	var items [][]chat.Span
	item := func(label, text string) { items = append(items, chat.Item(chat.B(label+": "), chat.T(text))) }

	url := r.Env.datatrackerURL()
	switch {
	case ok && sync.LastSuccess != nil:
		item("Datatracker", fmt.Sprintf("%s, last read successfully %s (%s ago)", url,
			sync.LastSuccess.In(loc).Format("2006-01-02 15:04 MST"), now.Sub(*sync.LastSuccess).Round(time.Second)))
	default:
		item("Datatracker", url+", never read successfully yet")
	}
	if ok && sync.LastError != "" {
		item("Failing since then", sync.LastError)
	}
	mirror := fmt.Sprintf("%d statements", st.Statements)
	if st.Retrying > 0 {
		mirror += fmt.Sprintf("; %d waiting to be fetched again after an error", st.Retrying)
	}
	if st.Gone > 0 {
		mirror += fmt.Sprintf("; %d given up after a day of retries", st.Gone)
	}
	item("Mirror", mirror)
	item("Pending approvals", fmt.Sprintf("%d chat draft(s) submitted; %d statement(s) pending in the Datatracker", st.DraftsWaiting, st.Pending))
	item("Today (UTC)", fmt.Sprintf("%d announcement(s), %d reminder(s)", st.AnnouncedToday, st.RemindedToday))
	out := fmt.Sprintf("%d waiting to be sent", st.OutboxWaiting)
	if st.OutboxFailed > 0 {
		out += fmt.Sprintf("; %d refused by the chat server today and given up", st.OutboxFailed)
	}
	item("Messages", out)
	leader := st.LeaderApplication
	if leader == "" {
		leader = "no replica holds the leader lock right now"
	}
	item("Leading replica", leader)
	item("Version", version())
	return r.Reply(chat.NewDoc(chat.P(chat.B("🩺 liaisonbot status")), chat.List(items...)))
}

// version is the module version and VCS revision the binary was built
// from, as Go records them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) > 12 {
				s.Value = s.Value[:12]
			}
			v += " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v
}
