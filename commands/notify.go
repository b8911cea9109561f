package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// notifyVerb is the opt-in digest of `mine` by direct message: ADs ask for
// one place with everything waiting on them (ietf-tools/datatracker#11417,
// #7388) and chairs to be nagged at deadlines (#7769).
func notifyVerb() *Verb {
	return &Verb{
		Name:    "notify",
		Args:    "daily|weekly|off",
		Summary: "get what waits on you (as /liaison mine) by direct message, daily or weekly",
		Help: "With daily or weekly, the bot sends you by direct message what /liaison mine would show, at the time of the " +
			"deadline reminders, and only when something waits on you. off stops it; without an argument, shows your setting. " +
			"Needs your Datatracker identity.",
		RequiresIdentity: "get a digest of what waits on you",
		Run:              runNotify,
	}
}

func runNotify(r *Request) error {
	email := r.Event.Sender.Email
	if len(r.Parsed.Args) == 0 {
		p, err := r.Q.NotifyPref(r.Ctx, r.Env.Platform, email)
		if err != nil {
			return err
		}
		if p == nil {
			return r.Reply(chat.NewDoc(chat.P(chat.T("You get no digest. "), chat.C("/liaison notify daily"), chat.T(" or "),
				chat.C("/liaison notify weekly"), chat.T(" sends you what waits on you by direct message."))))
		}
		return r.Reply(chat.NewDoc(chat.P(chat.T(fmt.Sprintf("You get a %s digest by direct message when something waits on you. ", p.Every)),
			chat.C("/liaison notify off"), chat.T(" stops it."))))
	}
	if len(r.Parsed.Args) > 1 {
		return Usagef("notify takes one of daily, weekly or off.")
	}
	every := strings.ToLower(r.Parsed.Args[0])
	switch every {
	case store.NotifyDaily, store.NotifyWeekly:
		if _, ok := r.Env.Chat.(chat.DirectOpener); !ok && r.Env.Chat != nil {
			return Usagef("the bot cannot send direct messages on %s.", r.Env.Platform)
		}
		if err := r.Q.SetNotifyPref(r.Ctx, store.NotifyPref{Platform: r.Env.Platform, Email: email, UserID: r.Event.Sender.ID, Every: every}); err != nil {
			return err
		}
		r.Detail = map[string]any{"every": every}
		return r.Reply(chat.NewDoc(chat.P(chat.T(fmt.Sprintf("From now on you get a %s digest by direct message, with the deadline reminders, "+
			"when something waits on you. ", every)), chat.C("/liaison notify off"), chat.T(" stops it."))))
	case "off":
		if err := r.Q.DeleteNotifyPref(r.Ctx, r.Env.Platform, email); err != nil {
			return err
		}
		r.Detail = map[string]any{"every": "off"}
		return r.Reply(chat.NewDoc(chat.P(chat.T("No more digests. "), chat.C("/liaison mine"), chat.T(" still answers at any time."))))
	}
	return Usagef("%q is not daily, weekly or off.", r.Parsed.Args[0])
}

// digestDue is how long after the last digest the next one may go: a bit
// less than the period, so that a run at the same scheduled time each day
// (or week) is never a few seconds early.
func digestDue(every string) time.Duration {
	if every == store.NotifyWeekly {
		return 7*24*time.Hour - 12*time.Hour
	}
	return 24*time.Hour - 2*time.Hour
}

// SendDigests sends the opted-in digests that are due and have something
// in them; it runs with the deadline reminders. The digest is read in one
// transaction, the direct room opened outside any, and the send claimed
// and queued in a last short one, so each is sent once per period even
// with two replicas.
func SendDigests(ctx context.Context, st TxRunner, env *Env) (int, error) {
	direct, ok := env.Chat.(chat.DirectOpener)
	if !ok {
		return 0, nil
	}
	now := env.now()
	var prefs []store.NotifyPref
	if err := st.Tx(ctx, func(q store.Q) error {
		var err error
		prefs, err = q.NotifyPrefs(ctx, env.Platform)
		return err
	}); err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, p := range prefs {
		if p.LastSentAt != nil && now.Sub(*p.LastSentAt) < digestDue(p.Every) {
			continue
		}
		user := chat.User{ID: p.UserID, Email: p.Email}
		var doc chat.Doc
		var empty bool
		if err := st.Tx(ctx, func(q store.Q) error {
			var err error
			doc, empty, err = Mine(ctx, q, env, user)
			return err
		}); err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", p.Email, err))
			continue
		}
		if empty {
			continue // only when something waits
		}
		room, err := direct.DirectRoom(ctx, user)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", p.Email, err))
			continue
		}
		doc.Blocks = append([]chat.Block{chat.P(chat.T(fmt.Sprintf("Your %s digest (", p.Every)), chat.C("/liaison notify off"),
			chat.T(" stops it)."))}, doc.Blocks...)
		err = st.Tx(ctx, func(q store.Q) error {
			claimed, err := q.ClaimDigest(ctx, p, now)
			if err != nil || !claimed {
				return err
			}
			_, err = q.Enqueue(ctx, env.Platform, store.KindNotice, chat.Outgoing{Room: room, Body: doc, Notice: true,
				TxnKey: fmt.Sprintf("digest/%s/%s", strings.ToLower(p.Email), now.UTC().Format(time.RFC3339))})
			if err == nil {
				sent++
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", p.Email, err))
		}
	}
	return sent, errors.Join(errs...)
}
