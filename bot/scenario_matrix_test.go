package bot

import (
	"context"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// matrixScenarioWorld is the scenario world on a real Dendrite: the chair
// creates the WG and coordination rooms and invites the bot and the ADs;
// matrix.identities maps the three accounts to their Datatracker e-mails.
type matrixScenarioWorld struct {
	*matrixWorld
	dt    *dtfake.Server
	users map[scActor]*mautrix.Client
	rooms map[scRoom]id.RoomID
	cfg   *config.Config
}

func newMatrixScenarioWorld(t *testing.T) scenarioWorld {
	t.Helper()
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	w := &matrixScenarioWorld{matrixWorld: newMatrixWorld(t), dt: dt, users: map[scActor]*mautrix.Client{}, rooms: map[scRoom]id.RoomID{}}
	for a, localpart := range map[scActor]string{scChair: "chair", scRTGAD: "rtgad", scOtherAD: "secad"} {
		w.users[a] = w.HS.Client(t, w.HS.RegisterUser(t, localpart))
	}
	chair := w.users[scChair]
	for _, room := range []scRoom{scWG, scCoord} {
		w.rooms[room] = createRoom(t, chair, w.Bot.ID, w.users[scRTGAD].UserID, w.users[scOtherAD].UserID)
		for _, a := range []scActor{scRTGAD, scOtherAD} {
			if _, err := w.users[a].JoinRoomByID(context.Background(), w.rooms[room]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func (w *matrixScenarioWorld) DT() *dtfake.Server { return w.dt }

func (w *matrixScenarioWorld) Config(t *testing.T) *config.Config {
	if w.cfg != nil {
		return w.cfg
	}
	w.cfg = w.config(t, roomsYAML(w.rooms[scWG].String(), w.rooms[scCoord].String(), w.dt.URL()))
	for a, email := range scEmail {
		w.cfg.Matrix.Identities = append(w.cfg.Matrix.Identities, identity(w.users[a].UserID, email))
	}
	return w.cfg
}

func (w *matrixScenarioWorld) Ready(t *testing.T) {
	t.Helper()
	for _, room := range w.rooms {
		testenv.Eventually(t, scWait, func() bool { return membership(t, w.users[scChair], room, w.Bot.ID) == event.MembershipJoin },
			"the bot did not join %s", room)
	}
}

func (w *matrixScenarioWorld) Say(t *testing.T, who scActor, room scRoom, text string) {
	t.Helper()
	say(t, w.users[who], w.rooms[room], text)
}

func (w *matrixScenarioWorld) React(t *testing.T, who scActor, room scRoom, msgID, key string) {
	t.Helper()
	react(t, w.users[who], w.rooms[room], id.EventID(msgID), key)
}

func (w *matrixScenarioWorld) BotMessages(t *testing.T, room scRoom) []scMsg {
	t.Helper()
	var out []scMsg
	evts := timeline(t, w.users[scChair], w.rooms[room])
	reactions := map[id.EventID][]string{}
	for _, evt := range evts {
		if evt.Sender == w.Bot.ID && evt.Type == event.EventReaction {
			if r := evt.Content.AsReaction(); r != nil {
				reactions[r.RelatesTo.EventID] = append(reactions[r.RelatesTo.EventID], r.RelatesTo.Key)
			}
		}
	}
	// A person sees an edited message with its latest text (m.replace).
	edited := map[id.EventID]string{}
	for _, evt := range evts {
		if evt.Sender != w.Bot.ID || evt.Type != event.EventMessage {
			continue
		}
		if m := evt.Content.AsMessage(); m != nil && m.RelatesTo != nil && m.RelatesTo.Type == event.RelReplace && m.NewContent != nil {
			edited[m.RelatesTo.EventID] = m.NewContent.Body
		}
	}
	for _, evt := range evts {
		if evt.Sender != w.Bot.ID || evt.Type != event.EventMessage {
			continue
		}
		msg := evt.Content.AsMessage()
		if msg == nil || (msg.RelatesTo != nil && msg.RelatesTo.Type == event.RelReplace) {
			continue
		}
		if text, ok := edited[evt.ID]; ok {
			msg.Body = text
		}
		thread := evt.ID.String()
		if parent := msg.RelatesTo.GetThreadParent(); parent != "" {
			thread = parent.String()
		}
		out = append(out, scMsg{ID: evt.ID.String(), Text: msg.Body, Thread: thread, Reactions: reactions[evt.ID]})
	}
	return out
}
