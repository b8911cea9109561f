package matrix

import (
	"context"
	"errors"
	"fmt"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// kvDirectPrefix + a user ID holds the room of the bot's own direct
// conversation with that person.
const kvDirectPrefix = "direct/"

// DirectRoom implements chat.DirectOpener. The first time, the bot creates
// a private room with the person invited and is_direct set (clients then
// show it as a direct message, https://spec.matrix.org/v1.16/client-server-api/#direct-messaging),
// unencrypted (the person may turn encryption on; the bot's crypto then
// encrypts there like anywhere else), and remembers it. A remembered room
// the person has left or been banned from is replaced by a new one.
func (t *Transport) DirectRoom(ctx context.Context, user chat.User) (string, error) {
	uid := id.UserID(user.ID)
	if _, _, err := uid.Parse(); err != nil {
		return "", fmt.Errorf("matrix: %q is not a user ID", user.ID)
	}
	if err := t.Login(ctx); err != nil {
		return "", err
	}
	t.directMu.Lock()
	defer t.directMu.Unlock()
	key := t.kvKey(kvDirectPrefix + uid.String())
	v, _, err := t.kv.Get(ctx, key)
	if err != nil {
		return "", fmt.Errorf("matrix: read direct room: %w", err)
	}
	if v != "" {
		usable, err := t.directUsable(ctx, id.RoomID(v), uid)
		if err != nil {
			return "", err
		}
		if usable {
			return v, nil
		}
		t.log.Info().Str("room_id", v).Stringer("user_id", uid).Msg("The person left the bot's direct room; opening a new one")
	}
	// A homeserver may create the room although the invite cannot reach
	// anyone (Dendrite does for an unknown local user): ask for the
	// person's profile first (404 M_NOT_FOUND for an unknown user,
	// https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3profileuserid).
	if _, err := t.cli.GetProfile(ctx, uid); err != nil {
		var herr mautrix.HTTPError
		if errors.Is(err, mautrix.MNotFound) || (errors.As(err, &herr) && herr.IsStatus(404)) {
			return "", fmt.Errorf("matrix: %s: %w (%v)", uid, chat.ErrNoSuchUser, err)
		}
		t.log.Debug().Err(err).Stringer("user_id", uid).Msg("Could not read the profile; opening the direct room anyway")
	}
	resp, err := t.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset:   "trusted_private_chat",
		IsDirect: true,
		Invite:   []id.UserID{uid},
	})
	if err != nil && permanent(err) {
		// An unknown user, or a server that refuses the room or the
		// invite: asking again will not help; the caller reaches the
		// person another way.
		return "", fmt.Errorf("matrix: open a direct room with %s: %w (%v)", uid, chat.ErrNoSuchUser, err)
	}
	if err != nil {
		return "", fmt.Errorf("matrix: open a direct room with %s: %w", uid, err)
	}
	if ok, err := t.directUsable(ctx, resp.RoomID, uid); err == nil && !ok {
		// The room exists but the person is not invited to it.
		if _, lerr := t.cli.LeaveRoom(ctx, resp.RoomID); lerr != nil {
			t.log.Warn().Err(lerr).Stringer("room_id", resp.RoomID).Msg("Could not leave a direct room nobody was invited to")
		}
		return "", fmt.Errorf("matrix: %s could not be invited: %w", uid, chat.ErrNoSuchUser)
	}
	if err := t.kv.Put(ctx, key, resp.RoomID.String()); err != nil {
		return "", fmt.Errorf("matrix: remember direct room: %w", err)
	}
	t.log.Info().Stringer("room_id", resp.RoomID).Stringer("user_id", uid).Msg("Opened a direct room")
	return resp.RoomID.String(), nil
}

// directUsable: the person is still joined or invited (a message there
// reaches them), and the bot is still in the room.
func (t *Transport) directUsable(ctx context.Context, room id.RoomID, uid id.UserID) (bool, error) {
	for _, who := range []id.UserID{uid, t.cli.UserID} {
		var mc event.MemberEventContent
		err := t.cli.StateEvent(ctx, room, event.StateMember, who.String(), &mc)
		var herr mautrix.HTTPError
		switch {
		case errors.As(err, &herr) && herr.IsStatus(404), errors.Is(err, mautrix.MForbidden), errors.Is(err, mautrix.MNotFound):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("matrix: read membership in %s: %w", room, err)
		}
		if mc.Membership != event.MembershipJoin && mc.Membership != event.MembershipInvite {
			return false, nil
		}
	}
	return true, nil
}
