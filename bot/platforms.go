package bot

import (
	"strings"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/matrix"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/zulip"
)

// configRooms are the rooms the config names: the bound ones and the
// approvals room.
func configRooms(cfg *config.Config) []string {
	var rooms []string
	for _, r := range cfg.Rooms {
		rooms = append(rooms, r.Room)
	}
	if cfg.ApprovalsRoom != "" {
		rooms = append(rooms, cfg.ApprovalsRoom)
	}
	return rooms
}

func newMatrix(cfg *config.Config, st *store.Store, log zerolog.Logger) (chat.Transport, error) {
	emails := map[string]string{}
	for _, id := range cfg.Matrix.Identities {
		emails[id.User] = id.Email
	}
	var admins []string
	for _, a := range cfg.Admins {
		if strings.HasPrefix(a, "@") { // Matrix IDs; e-mails are Zulip admins
			admins = append(admins, a)
		}
	}
	tr, err := matrix.New(matrix.Config{
		Homeserver:     cfg.Matrix.Homeserver,
		UserID:         cfg.Matrix.UserID,
		AccessToken:    cfg.Matrix.AccessToken,
		Password:       cfg.Matrix.Password,
		DeviceID:       cfg.Matrix.DeviceID,
		DisplayName:    cfg.Matrix.DisplayName,
		Rooms:          configRooms(cfg),
		Admins:         admins,
		IdentityEmails: emails,
		PickleKey:      cfg.Matrix.PickleKey,
		// The crypto store lives in the bot's own database.
		CryptoDatabaseURL: cfg.Database.URL,
		DMPolicy:          cfg.Matrix.DMPolicy,
		Log:               log, // the transport names its component
	}, store.KV{Q: st.Q})
	if err != nil {
		return nil, &config.Error{Key: "matrix", Msg: err.Error()}
	}
	return tr, nil
}

func newZulip(cfg *config.Config, st *store.Store, log zerolog.Logger) (chat.Transport, error) {
	tr, err := zulip.New(zulip.Config{
		Site:    cfg.Zulip.Site,
		Email:   cfg.Zulip.Email,
		APIKey:  cfg.Zulip.APIKey,
		Zuliprc: cfg.Zulip.Zuliprc,
		BotName: cfg.Zulip.BotName,
		Streams: configRooms(cfg), // channel names; "dm:" rooms need no subscription
		Log:     log,
	}, store.KV{Q: st.Q})
	if err != nil {
		return nil, &config.Error{Key: "zulip", Msg: err.Error()}
	}
	return tr, nil
}
