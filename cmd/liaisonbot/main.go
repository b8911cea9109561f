// Command liaisonbot runs the IETF liaison-statement chat bot.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/liaisonbot/liaisonbot/bot"
	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/console"
)

const usage = `liaisonbot — IETF liaison statements in chat (draft-iab-rfc4053bis)

Usage:
  liaisonbot run [-config FILE]            connect to chat and run
  liaisonbot console [-config FILE] [-user ID] [-email ADDR] [-demo]
                                           try the bot on standard input; -demo serves
                                           a demo Datatracker in-process (no network)
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
	demoMode := fs.Bool("demo", false, "console: a demo Datatracker served in-process and a fresh <database>_demo database")
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
		emptyListenDisables(cfg)
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
		emptyListenDisables(cfg)
		if cfg.Platform == "console" && os.Getenv(config.EnvPrefix+"_LOGGING_LEVEL") == "" {
			cfg.Logging.Level = "error" // keep the console readable
		}
		u := chat.User{ID: *user, DisplayName: *user, Email: *email}
		if u.Email == "" && containsAt(*user) {
			u.Email = *user
		}
		var dm *demo
		if *demoMode {
			if cfg.Platform != "console" {
				return errors.New("-demo is for the console (liaisonbot console -demo)")
			}
			if dm, err = startDemo(ctx, cfg); err != nil {
				return err
			}
			defer dm.Close()
			if !flagSet(fs, "user") {
				u = dm.you
			}
		}
		log := bot.Logger(cfg, os.Stderr)
		st, err := bot.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		tr, err := bot.Transport(cfg, st, log, u)
		if err != nil {
			return err
		}
		if ct, ok := tr.(*console.Transport); ok && dm != nil {
			ct.SetPeople(dm.people, dm.intro)
		}
		b := bot.New(cfg, log, st, tr)
		if cfg.Platform == "console" && cfg.HTTP.Listen != "" {
			// The console does not need /healthz or /metrics: a busy port
			// (another bot, a second console) must not end the session.
			ln, err := net.Listen("tcp", cfg.HTTP.Listen)
			if err != nil {
				fmt.Fprintf(os.Stderr, "liaisonbot: http.listen %s: %v; the console goes on without /healthz, /metrics and the calendars\n", cfg.HTTP.Listen, err)
				cfg.HTTP.Listen = ""
			} else {
				b.HTTPListener = ln
			}
		}
		log.Info().Str("platform", cfg.Platform).Msg("liaisonbot starting")
		if err := b.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown command %q (try: liaisonbot help)", cmd)
}

// emptyListenDisables makes LIAISONBOT_HTTP_LISTEN= (set, empty) disable
// the listener: viper treats an empty variable as unset unless
// AllowEmptyEnv is on (https://pkg.go.dev/github.com/spf13/viper#Viper.AllowEmptyEnv),
// so the default address would win.
func emptyListenDisables(cfg *config.Config) {
	if v, ok := os.LookupEnv(config.EnvPrefix + "_HTTP_LISTEN"); ok && v == "" {
		cfg.HTTP.Listen = ""
	}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func containsAt(s string) bool {
	for _, c := range s {
		if c == '@' {
			return true
		}
	}
	return false
}
