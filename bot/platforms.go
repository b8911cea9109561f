package bot

import (
	"errors"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

func newMatrix(cfg *config.Config, st *store.Store, log zerolog.Logger) (chat.Transport, error) {
	return nil, errors.New("matrix transport not wired yet")
}

func newZulip(cfg *config.Config, st *store.Store, log zerolog.Logger) (chat.Transport, error) {
	return nil, errors.New("zulip transport not wired yet")
}
