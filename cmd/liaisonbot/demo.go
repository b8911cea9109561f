package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/console"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
)

// demo is the console's offline demo: a Datatracker served in-process on
// loopback (the test fake with dtfake.LoadDemo's directory, dated around
// today) and a fresh database beside the configured one.
type demo struct {
	dt     *dtfake.Server
	you    chat.User
	people []console.Person
	intro  string
}

// startDemo points cfg at the demo Datatracker and a fresh "<db>_demo"
// database (recreated each run, so the deadlines follow the clock), with
// the console room following the demo WG.
func startDemo(ctx context.Context, cfg *config.Config) (*demo, error) {
	dsn, err := freshDemoDatabase(ctx, cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	cfg.Database.URL = dsn
	dt := dtfake.New()
	dt.LoadDemo(time.Now())
	dt.Start()
	cfg.Datatracker.URL = dt.URL()
	cfg.Datatracker.PollInterval = 30 * time.Second
	cfg.Rooms = []config.Room{{Room: "console", Groups: []string{dtfake.DemoGroup}}}
	cfg.ApprovalsRoom = ""

	d := &demo{dt: dt}
	for i, p := range dtfake.DemoPersonas {
		u := chat.User{ID: p.Email, DisplayName: p.Name, Email: p.Email}
		if i == 0 {
			d.you = u
		}
		d.people = append(d.people, console.Person{User: u, Role: p.Role})
	}
	d.intro = fmt.Sprintf(`liaisonbot demo — an in-process demo Datatracker (no network) and a fresh database.
You are %s <%s>, %s chair, in room "console", which follows %s.
Speak as someone else: :user ad-one@example.org (the AD who approves %s statements),
  :user elif.yilmaz@example.org (another WG's chair), :user pat@example.org (a participant); :users lists all.
Try: /liaison overdue    /liaison upcoming 30    /liaison show 2042    (/liaison help for all; :quit to leave)
`, d.you.DisplayName, d.you.Email, strings.ToUpper(dtfake.DemoGroup), dtfake.DemoGroup, strings.ToUpper(dtfake.DemoGroup))
	return d, nil
}

func (d *demo) Close() { d.dt.Close() }

// freshDemoDatabase drops and recreates the database "<name>_demo" on the
// server of dsn and returns its URL.
func freshDemoDatabase(ctx context.Context, dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", &config.Error{Key: "database.url", Msg: "the demo needs a postgres:// URL"}
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		name = "liaisonbot"
	}
	name += "_demo"
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("demo: connecting to the database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{name}.Sanitize()
	// WITH (FORCE) ends an earlier demo still connected (PostgreSQL 13+).
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("demo: dropping the previous demo database: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", fmt.Errorf("demo: creating the demo database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
