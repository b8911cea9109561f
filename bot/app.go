package bot

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/console"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Logger builds the process logger from the config.
func Logger(cfg *config.Config, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(strings.ToLower(cfg.Logging.Level))
	if err != nil || cfg.Logging.Level == "" {
		level = zerolog.InfoLevel
	}
	if cfg.Logging.Format == "pretty" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// outboxWorkers is how many senders a started bot runs (chat.outbox_workers;
// 1 for a config built in code without it). Sends to different rooms
// overlap, one room's messages keep their order (store.ClaimOutbox).
func outboxWorkers(cfg *config.Config) int {
	return max(cfg.Chat.OutboxWorkers, 1)
}

// OpenStore connects and migrates. Errors name the config key.
func OpenStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database.URL, cfg.Database.MaxConns)
	if err != nil {
		return nil, &config.Error{Key: "database.url", Msg: err.Error()}
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("database migration: %w", err)
	}
	return st, nil
}

// Transport builds the chat transport the config names.
func Transport(cfg *config.Config, st *store.Store, log zerolog.Logger, consoleUser chat.User) (chat.Transport, error) {
	switch cfg.Platform {
	case "console":
		return console.New(os.Stdin, os.Stdout, consoleUser), nil
	case "matrix":
		return newMatrix(cfg, st, log)
	case "zulip":
		return newZulip(cfg, st, log)
	}
	return nil, &config.Error{Key: "platform", Msg: "unknown platform " + cfg.Platform}
}
