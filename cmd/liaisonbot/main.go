// Command liaisonbot runs the IETF liaison-statement chat bot.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/liaisonbot/liaisonbot/bot"
	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
)

const usage = `liaisonbot — IETF liaison statements in chat (draft-iab-rfc4053bis)

Usage:
  liaisonbot run [-config FILE]            connect to chat and run
  liaisonbot console [-config FILE] [-user ID] [-email ADDR]
                                           try the bot on standard input
  liaisonbot migrate [-config FILE]        apply database migrations
  liaisonbot sync -full [-config FILE]     load the whole Datatracker history in bulk,
                                           announcing nothing
  liaisonbot check-config [-config FILE]   validate the configuration
  liaisonbot example-config                print the commented example config

Every config key can be set from the environment: LIAISONBOT_DATABASE_URL,
LIAISONBOT_MATRIX_ACCESS_TOKEN, ... (see example-config).
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		// A configuration error is one line naming the key, wherever it
		// was found (load, start or a worker).
		if cerr := (*config.Error)(nil); errors.As(err, &cerr) {
			err = cerr
		}
		fmt.Fprintln(os.Stderr, "liaisonbot: "+err.Error())
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Print(usage)
		return nil
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("LIAISONBOT_CONFIG"), "configuration file (YAML)")
	user := fs.String("user", "chair@example.org", "console: the chat user you speak as")
	full := fs.Bool("full", false, "sync: backfill the whole history")
	email := fs.String("email", "", "console: your Datatracker e-mail (default: -user when it is an e-mail)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "example-config":
		_, err := os.Stdout.Write(config.Example)
		return err
	case "check-config":
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		fmt.Print(cfg.Redacted())
		fmt.Println("configuration OK")
		return nil
	case "migrate":
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		st, err := bot.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		st.Close()
		fmt.Println("database schema is up to date")
		return nil
	case "sync":
		if !*full {
			return errors.New("sync needs -full (the running bot polls incrementally by itself)")
		}
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		log := bot.Logger(cfg, os.Stderr)
		st, err := bot.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := bot.NewMirror(cfg, st, cfg.Platform, log).Backfill(ctx); err != nil {
			return err
		}
		n, _ := st.CountStatements(ctx)
		fmt.Printf("backfill done: %d statements mirrored\n", n)
		return nil
	case "run", "console":
		if cmd == "console" {
			os.Setenv(config.EnvPrefix+"_PLATFORM", "console")
		}
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		if cfg.Platform == "console" && os.Getenv(config.EnvPrefix+"_LOGGING_LEVEL") == "" {
			cfg.Logging.Level = "error" // keep the console readable
		}
		log := bot.Logger(cfg, os.Stderr)
		st, err := bot.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		u := chat.User{ID: *user, DisplayName: *user, Email: *email}
		if u.Email == "" && containsAt(*user) {
			u.Email = *user
		}
		tr, err := bot.Transport(cfg, st, log, u)
		if err != nil {
			return err
		}
		b := bot.New(cfg, log, st, tr)
		log.Info().Str("platform", cfg.Platform).Msg("liaisonbot starting")
		if err := b.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown command %q (try: liaisonbot help)", cmd)
}

func containsAt(s string) bool {
	for _, c := range s {
		if c == '@' {
			return true
		}
	}
	return false
}
