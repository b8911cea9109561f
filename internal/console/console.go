// Package console is a chat transport on standard input and output, for
// trying liaisonbot without a chat server (`make run`). Every line typed is
// a message from the current user in the room "console"; the bot's
// messages are printed as plain text.
//
// Lines starting with ":" are console commands:
//
//	:user <id> [email]   speak as another user (email = Datatracker e-mail;
//	                     an id that is an e-mail is also the Datatracker e-mail)
//	:users               the people known to this console (the demo's personas)
//	:room <name>         speak in another room
//	:react <msg> <emoji> react to a bot message by its number
//	:unreact <msg> <emoji>
//	:quit
//
// A line ending in a backslash continues on the next line (for a draft's
// body).
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Transport is the console chat platform.
type Transport struct {
	in     io.Reader
	mu     sync.Mutex
	out    io.Writer
	user   chat.User
	room   string
	run    string // distinguishes this run's event IDs from earlier runs'
	seq    atomic.Int64
	msgSeq atomic.Int64
	sent   map[string]string // txn key -> message ID, so a retried send prints once
	// people are the personas ":users" lists and ":user" finds by e-mail
	// or name; intro is printed at start instead of the one-line greeting.
	people []Person
	intro  string
}

// Person is someone a console user may speak as (the demo's personas).
type Person struct {
	User chat.User // ID and Email: the Datatracker e-mail
	Role string
}

// SetPeople sets the personas and the introduction printed at start.
func (t *Transport) SetPeople(people []Person, intro string) {
	t.people, t.intro = people, intro
}

// identity is whom ":user <id> [email]" makes the console speak as: a
// persona found by e-mail or first name, else id itself, whose e-mail is
// the given one or id when id is an e-mail (the console has no identity
// table: the Datatracker e-mail is what roles are checked against).
func (t *Transport) identity(id, email string) chat.User {
	for _, p := range t.people {
		first, _, _ := strings.Cut(p.User.DisplayName, " ")
		if strings.EqualFold(p.User.ID, id) || strings.EqualFold(p.User.Email, id) || strings.EqualFold(first, id) {
			return p.User
		}
	}
	u := chat.User{ID: id, DisplayName: id, Email: email}
	if u.Email == "" && strings.Contains(id, "@") {
		u.Email = id
	}
	return u
}

// New makes a console transport reading in and writing out, speaking as
// user until ":user" changes it.
func New(in io.Reader, out io.Writer, user chat.User) *Transport {
	if user.DisplayName == "" {
		user.DisplayName = user.ID
	}
	return &Transport{in: in, out: out, user: user, room: "console", run: fmt.Sprintf("%x", time.Now().UnixNano()), sent: map[string]string{}}
}

func (t *Transport) Platform() string { return "console" }
func (t *Transport) Self() chat.User  { return chat.User{ID: "liaisonbot", DisplayName: "liaisonbot"} }
func (t *Transport) Connected() bool  { return true }

func (t *Transport) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, format, args...)
}

// Run reads lines until EOF, ":quit" or ctx ends.
func (t *Transport) Run(ctx context.Context, sink chat.Sink) error {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(t.in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		var pending []string
		for sc.Scan() {
			line := sc.Text()
			if strings.HasSuffix(line, "\\") {
				pending = append(pending, strings.TrimSuffix(line, "\\"))
				continue
			}
			pending = append(pending, line)
			select {
			case lines <- strings.Join(pending, "\n"):
			case <-ctx.Done():
				return
			}
			pending = nil
		}
	}()
	if t.intro != "" {
		t.printf("%s", t.intro)
	} else {
		t.printf("liaisonbot console — you are %s in room %q. Try: /liaison help   (:quit to leave)\n", t.user.ID, t.room)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if err := t.handle(ctx, sink, line); err == io.EOF {
				return nil
			} else if err != nil {
				t.printf("! %v\n", err)
			}
		}
	}
}

func (t *Transport) handle(ctx context.Context, sink chat.Sink, line string) error {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" {
		return nil
	}
	evt := chat.Event{
		Platform: "console",
		Room:     t.room,
		Sender:   t.user,
		Time:     time.Now(),
	}
	if strings.HasPrefix(trimmed, ":") {
		f := strings.Fields(trimmed)
		switch {
		case f[0] == ":quit":
			return io.EOF
		case f[0] == ":user" && len(f) >= 2:
			email := ""
			if len(f) >= 3 {
				email = f[2]
			}
			t.user = t.identity(f[1], email)
			if t.user.Email == "" {
				t.printf("(you are now %s, with no Datatracker e-mail: you may read, not draft or approve; try :user <e-mail>)\n", t.user.ID)
			} else if t.user.DisplayName != t.user.ID {
				t.printf("(you are now %s, %s)\n", t.user.DisplayName, t.user.ID)
			} else {
				t.printf("(you are now %s)\n", t.user.ID)
			}
			return nil
		case f[0] == ":users":
			if len(t.people) == 0 {
				t.printf("(no personas here; :user <e-mail> speaks as anyone, with that Datatracker e-mail)\n")
				return nil
			}
			var b strings.Builder
			for _, p := range t.people {
				fmt.Fprintf(&b, "  :user %-34s %s — %s\n", p.User.ID, p.User.DisplayName, p.Role)
			}
			t.printf("%s", b.String())
			return nil
		case f[0] == ":room" && len(f) >= 2:
			t.room = f[1]
			t.printf("(you are now in %s)\n", t.room)
			return nil
		case (f[0] == ":react" || f[0] == ":unreact") && len(f) >= 3:
			evt.Kind, evt.Target, evt.Key = chat.EventReaction, "m"+f[1], f[2]
			evt.ReactionID = fmt.Sprintf("console-reaction/%s/%s/%s", t.user.ID, evt.Target, f[2])
			evt.ID = fmt.Sprintf("console/%s/%d", t.run, t.seq.Add(1))
			if f[0] == ":unreact" {
				evt.Kind = chat.EventReactionRemove
			}
			return sink(ctx, evt)
		default:
			return fmt.Errorf("console commands: :user <id> [email], :users, :room <name>, :react <msg> <emoji>, :unreact <msg> <emoji>, :quit")
		}
	}
	evt.Kind = chat.EventMessage
	evt.ID = fmt.Sprintf("console/%s/%d", t.run, t.seq.Add(1))
	evt.Text = line
	evt.Direct = true
	return sink(ctx, evt)
}

// Send prints a message.
func (t *Transport) Send(_ context.Context, msg chat.Outgoing) (chat.Sent, error) {
	t.mu.Lock()
	id, dup := t.sent[msg.TxnKey]
	if !dup {
		id = fmt.Sprintf("m%d", t.msgSeq.Add(1))
		t.sent[msg.TxnKey] = id
	}
	t.mu.Unlock()
	thread := msg.Thread
	if thread == "" {
		thread = msg.NewThread
	}
	if !dup {
		where := msg.Room
		if thread != "" {
			where += " › " + thread
		}
		t.printf("[%s] liaisonbot (%s):\n%s\n", where, strings.TrimPrefix(id, "m"), indent(msg.Body.Plain()))
	}
	if thread == "" {
		thread = id
	}
	return chat.Sent{Room: msg.Room, ID: id, Thread: thread}, nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func (t *Transport) React(_ context.Context, room, target, key, _ string) error {
	t.printf("[%s] liaisonbot reacted %s to message %s\n", room, key, strings.TrimPrefix(target, "m"))
	return nil
}

func (t *Transport) Edit(_ context.Context, room, target string, body chat.Doc, _ string) error {
	t.printf("[%s] liaisonbot edited message %s:\n%s\n", room, strings.TrimPrefix(target, "m"), indent(body.Plain()))
	return nil
}

func (t *Transport) JoinRoom(context.Context, string) error { return nil }

// IsModerator: everyone at the console moderates.
func (t *Transport) IsModerator(context.Context, string, chat.User) (bool, error) { return true, nil }

// DirectRoom implements chat.DirectOpener: a private message to someone
// is printed as sent to "dm:<their e-mail or ID>".
func (t *Transport) DirectRoom(_ context.Context, user chat.User) (string, error) {
	who := user.Email
	if who == "" {
		who = user.ID
	}
	return "dm:" + who, nil
}
