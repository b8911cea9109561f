package commands

import (
	"context"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// ReactionHandler handles reactions and their removal (approvals). It
// gets the same request as a command: the event's transaction, the
// environment and the request's logger.
type ReactionHandler interface {
	HandleReaction(r *Request) error
}

// Resyncer is a ReactionHandler that can also catch up on reactions the
// transport lost (chat.EventResync).
type Resyncer interface {
	Resync(r *Request) error
}

// HandleEvent handles any chat event on q, the event's transaction.
func (d *Dispatcher) HandleEvent(ctx context.Context, q store.Q, evt chat.Event) error {
	switch evt.Kind {
	case chat.EventMessage:
		_, err := d.Handle(ctx, q, evt)
		return err
	case chat.EventReaction, chat.EventReactionRemove:
		if d.Reactions != nil {
			return d.Reactions.HandleReaction(NewRequest(ctx, q, d.Env, evt, string(evt.Kind)))
		}
		return nil
	case chat.EventResync:
		if r, ok := d.Reactions.(Resyncer); ok {
			return r.Resync(NewRequest(ctx, q, d.Env, evt, string(evt.Kind)))
		}
		return nil
	case chat.EventInvite:
		return q.AddAudit(ctx, store.Audit{
			Platform: d.Env.Platform, Actor: evt.Sender.ID, ActorEmail: evt.Sender.Email,
			Room: evt.Room, Action: "invite", Result: "joined",
		})
	}
	return nil
}
