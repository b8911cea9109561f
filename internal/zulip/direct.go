package zulip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// DirectRoom implements chat.DirectOpener: on Zulip a direct conversation
// needs no creating, it is named by its participants. The room is the one
// the person's own direct messages to the bot arrive in (DMRoom of their
// user ID), so an answer there lands in the same conversation.
func (t *Transport) DirectRoom(ctx context.Context, user chat.User) (string, error) {
	if n, err := strconv.Atoi(user.ID); err == nil && n > 0 {
		return DMRoom(n), nil
	}
	for _, key := range []string{user.ID, user.Email} {
		if key == "" {
			continue
		}
		au, err := t.lookupUser(ctx, key)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
			// "No such user" (the e-mail has no account in the realm).
			return "", fmt.Errorf("zulip: %s: %w (%v)", key, chat.ErrNoSuchUser, err)
		}
		if err != nil {
			return "", fmt.Errorf("zulip: look up %s for a direct message: %w", key, err)
		}
		return DMRoom(au.UserID), nil
	}
	return "", fmt.Errorf("zulip: no user to send a direct message to")
}
