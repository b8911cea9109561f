package bot

import (
	"errors"
	"strings"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/matrix"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

func newMatrix(cfg *config.Config, st *store.Store, log zerolog.Logger) (chat.Transport, error) {
	emails := map[string]string{}
	for _, id := range cfg.Matrix.Identities {
		emails[id.User] = id.Email
	}
	var rooms []string
	for _, r := range cfg.Rooms {
		rooms = append(rooms, r.Room)
	}
	var admins []string
	for _, a := range cfg.Admins {
		if strings.HasPrefix(a, "@") { // Matrix IDs; e-mails are Zulip admins
			admins = append(admins, a)
		}
	}
	if cfg.ApprovalsRoom != "" {
		rooms = append(rooms, cfg.ApprovalsRoom)
	}
	tr, err := matrix.New(matrix.Config{
		Homeserver:     cfg.Matrix.Homeserver,
		UserID:         cfg.Matrix.UserID,
		AccessToken:    cfg.Matrix.AccessToken,
		Password:       cfg.Matrix.Password,
		DeviceID:       cfg.Matrix.DeviceID,
		DisplayName:    cfg.Matrix.DisplayName,
		Rooms:          rooms,
		Admins:         admins,
		IdentityEmails: emails,
		Log:            log.With().Str("component", "matrix").Logger(),
	}, store.KV{Q: st.Q})
	if err != nil {
		return nil, &config.Error{Key: "matrix", Msg: err.Error()}
	}
	return tr, nil
}

func newZulip(cfg *config.Config, st *store.Store, log zerolog.Logger) (chat.Transport, error) {
	return nil, errors.New("zulip transport not wired yet")
}
