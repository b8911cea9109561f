package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// session is the console binary driven through its standard input, as a
// newcomer types into it.
type session struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	mu    sync.Mutex
	out   strings.Builder
	err   strings.Builder
	seen  int // messages already matched
	ended chan error
}

// build builds the binary as make build does (the build cache makes the
// second test's build a link).
func build(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "liaisonbot")
	if out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

func start(t *testing.T, env []string, args ...string) *session {
	t.Helper()
	cmd := exec.Command(build(t), append([]string{"console"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	s := &session{t: t, cmd: cmd, ended: make(chan error, 1)}
	var err error
	if s.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copyTo := func(r io.Reader, b *strings.Builder) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.mu.Lock()
			b.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); copyTo(stdout, &s.out) }()
	go func() { defer wg.Done(); copyTo(stderr, &s.err) }()
	go func() { wg.Wait(); s.ended <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("console output:\n%s\nstderr:\n%s", s.stdout(), s.stderr())
		}
	})
	return s
}

func (s *session) stdout() string { s.mu.Lock(); defer s.mu.Unlock(); return s.out.String() }
func (s *session) stderr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.err.String() }

func (s *session) say(lines ...string) {
	s.t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(s.in, l+"\n"); err != nil {
			s.t.Fatalf("writing %q: %v", l, err)
		}
	}
}

var msgHead = regexp.MustCompile(`(?m)^\[([^\]]*)\] liaisonbot \((\d+)\):\n`)

// messages are the bot's messages printed so far in the console's rooms:
// number and text. Direct messages to other people ("[dm:…]", the
// pending statement's approvers) are not answers to the console's user.
func (s *session) messages() (nums []string, bodies []string) {
	out := s.stdout()
	locs := msgHead.FindAllStringSubmatchIndex(out, -1)
	for i, l := range locs {
		end := len(out)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := out[l[1]:end]
		// The body is the indented lines; console notes follow unindented.
		var kept []string
		for _, line := range strings.Split(body, "\n") {
			if !strings.HasPrefix(line, "  ") && line != "" {
				break
			}
			kept = append(kept, strings.TrimPrefix(line, "  "))
		}
		if strings.HasPrefix(out[l[2]:l[3]], "dm:") {
			continue
		}
		nums = append(nums, out[l[4]:l[5]])
		bodies = append(bodies, strings.Join(kept, "\n"))
	}
	return nums, bodies
}

// reply waits for the next bot message containing want and returns its
// number and text.
func (s *session) reply(want string) (string, string) {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		nums, bodies := s.messages()
		for i := s.seen; i < len(bodies); i++ {
			if strings.Contains(bodies[i], want) {
				s.seen = i + 1
				return nums[i], bodies[i]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("no message containing %q", want)
	return "", ""
}

// printed waits for a console line (not a bot message) containing want.
func (s *session) printed(want string) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.stdout(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the console never printed %q", want)
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: want %q in:\n%s", what, w, text)
		}
	}
}

func mustNotContain(t *testing.T, what, text string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(text, w) {
			t.Errorf("%s: did not want %q in:\n%s", what, w, text)
		}
	}
}

// dropDemoDatabase drops the "<db>_demo" database the demo creates beside
// the test's database.
func dropDemoDatabase(t *testing.T, dsn string) {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/") + "_demo"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
}

// TestConsoleDemo walks the README's console session through the binary's
// standard input, offline: the demo Datatracker is served in-process on
// loopback (the configured Datatracker URL is an unreachable address and
// must not matter), and the configured HTTP port is busy.
func TestConsoleDemo(t *testing.T) {
	dsn := testenv.Postgres(t)
	dropDemoDatabase(t, dsn)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	s := start(t, []string{
		"LIAISONBOT_DATABASE_URL=" + dsn,
		"LIAISONBOT_DATATRACKER_URL=http://192.0.2.1", // TEST-NET-1: never answers
		"LIAISONBOT_HTTP_LISTEN=" + busy.Addr().String(),
	}, "-demo")

	// The introduction says who is who and what to try.
	s.printed("You are Maria Lindqvist <maria.lindqvist@example.net>, TEAS chair")
	s.printed(":user ad-one@example.org")
	s.printed("/liaison overdue")
	s.say(":users")
	s.printed("Pat Participant — a TEAS participant without a role")

	// The first poll fills the mirror; until then the bot says so.
	var overdue string
	for i := 0; ; i++ {
		s.say("/liaison overdue")
		_, body := s.reply("")
		// The first reminder run may print a deadline reminder (a rung due
		// today) between the command and its answer: skip it.
		for strings.HasPrefix(body, "⏰") || strings.HasPrefix(body, "⚠ Overdue") {
			_, body = s.reply("")
		}
		// The first successful poll may still be fetching statements (a
		// detail fetch that failed under load is retried): wait until the
		// mirror holds them.
		if strings.HasPrefix(body, "Overdue For Action statements") && (!strings.Contains(body, ": none (") || i > 100) {
			overdue = body
			break
		}
		if !strings.HasPrefix(body, "Overdue For Action statements") {
			mustContain(t, "overdue before the first poll", body, "has not been reached yet")
		}
		if i > 100 {
			t.Fatalf("the demo Datatracker was never mirrored: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The demo's pending statement reaches its approver privately.
	s.printed("[dm:sec-ad@example.org] liaisonbot")
	mustContain(t, "overdue", overdue, "(2, as of", "LS 2045", "LS 2046", "overdue by 20 days", "overdue by six days", "http://127.0.0.1:")
	// 2044 was answered by a reply, 2047 is tagged taken.
	mustNotContain(t, "overdue", overdue, "LS 2044", "LS 2047", "192.0.2.1")

	s.say("/liaison upcoming 30")
	_, upcoming := s.reply("For Action statements due within 30 days")
	mustContain(t, "upcoming", upcoming, "LS 2048", "in two days", "LS 2055")
	mustNotContain(t, "upcoming", upcoming, "LS 2045", "LS 2056")

	s.say("/liaison show 2042")
	_, show := s.reply("LS 2042")
	mustContain(t, "show", show, "Answered by: LS 2043")
	s.say("/liaison search topology")
	_, search := s.reply(`Statements matching "topology"`)
	mustContain(t, "search", search, "LS 2044", "LS 2065")

	// Draft, submit, a refused ✅, the AD's ✅.
	s.say(`/liaison draft to=itu-t-sg-15 to_contact=tsbsg15@itu.int purpose=action deadline=2099-01-15 subject="TE topology models" consensus="WG consensus"\`,
		`We thank SG15 for the LS and ask for comments.`)
	_, draft := s.reply("New draft D1")
	mustContain(t, "draft", draft, "From: teas", "ready to submit")
	s.say("/liaison submit D1")
	request, body := s.reply("Approval requested for outgoing statement D1")
	mustContain(t, "approval request", body, "Approvers (4053bis §4.1): ad-one@example.org (AD teas)")

	s.say(":user elif.yilmaz@example.org", ":react "+request+" ✅")
	_, refused := s.reply("your ✅ changes nothing")
	mustContain(t, "refused ✅", refused, "elif.yilmaz@example.org is not one of them")

	s.say(":user ad-one@example.org", ":react "+request+" ✅")
	_, approved := s.reply("approved D1")
	mustContain(t, "approval", approved, "Alex Example approved D1 (revision 1)", "Title:             TE topology models")

	// Someone without a Datatracker e-mail is told the console's way.
	s.say(":user visitor", `/liaison draft to=itu-t-sg-15 subject="x"`)
	_, denied := s.reply("does not know your Datatracker e-mail")
	mustContain(t, "no identity", denied, ":user <e-mail>")
	mustNotContain(t, "no identity", denied, "matrix.identities")

	s.say(":quit")
	select {
	case err := <-s.ended:
		if err != nil {
			t.Errorf("console exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the console did not end after :quit")
	}
	mustContain(t, "stderr", s.stderr(), "http.listen "+busy.Addr().String(), "the console goes on")
}

// TestConsoleUnreachedDatatracker: against a Datatracker that never
// answers, the answers say so instead of "none".
func TestConsoleUnreachedDatatracker(t *testing.T) {
	dsn := testenv.Postgres(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dt := "http://" + closed.Addr().String()
	closed.Close() // nothing listens there: connection refused
	s := start(t, []string{
		"LIAISONBOT_DATABASE_URL=" + dsn,
		"LIAISONBOT_DATATRACKER_URL=" + dt,
		"LIAISONBOT_HTTP_LISTEN=",
	}, "-user", "chair@example.org")
	s.printed("liaisonbot console")
	s.say("/liaison list", "/liaison show 2042", "/liaison overdue", `/liaison draft from=teas to=itu-t-sg-15 subject="x"`)
	for _, what := range []string{"list", "show", "overdue", "draft"} {
		_, body := s.reply("")
		mustContain(t, what, body, "The Datatracker at "+dt+" has not been reached yet: ")
		mustNotContain(t, what, body, "none", "not in the bot's mirror")
	}
	s.say(":quit")
	select {
	case err := <-s.ended:
		if err != nil {
			t.Errorf("console exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the console did not end after :quit")
	}
	// LIAISONBOT_HTTP_LISTEN= (empty) disables the listener: no warning,
	// nothing bound.
	mustNotContain(t, "stderr", s.stderr(), "http.listen")
}
