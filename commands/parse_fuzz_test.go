package commands

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Seeds beside the committed corpus in testdata/fuzz/FuzzParse: the
// spellings the parser documents and the shapes that broke parsers before
// (quotes, apostrophes, '#', CRLF, tabs, non-ASCII case folding).
var parseSeeds = []string{
	"/liaison help",
	"!LIAISON Show 2043",
	"//liaison help",
	"!liaison",
	"!liaisonbot help",
	"hello /liaison help",
	`/liaison draft subject="LS on YANG models" purpose=action`,
	"/liaison noreply 2042 we don't need to",
	"/liaison draft to=itu-t-sg-15\r\nDear colleagues,\r\n\r\nthanks.\r\n",
	"  /liaison   search  yang #1 ",
	"/liaison\tlist teas incoming",
	"/liaison search \"unterminated",
	"/liaison search 'a b' \"c d\" e\\ f",
	"/lİaison help",
	"/liaison draft =x a= =",
	"!liaison \u00a0help",
	"\n\n/liaison\n\nbody only",
}

// FuzzParse: Parse and KeyValues never panic, and what they return keeps
// the parser's promises whatever a user types.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s, false, false)
		f.Add(s, true, false)
	}
	f.Fuzz(func(t *testing.T, text string, mention, direct bool) {
		p, ok := Parse(text, mention, direct)
		if !ok {
			if mention || direct {
				t.Fatalf("Parse(%q, mention=%v, direct=%v) refused a message meant for the bot", text, mention, direct)
			}
			if p.Verb != "" || p.Args != nil || p.Raw != "" || p.Body != "" {
				t.Fatalf("refused %q but returned %+v", text, p)
			}
			return
		}
		first := firstLine(text)
		if !mention && !direct && !hasPrefix(first) {
			t.Fatalf("Parse(%q) took a message that does not start with a prefix: %+v", text, p)
		}
		// The verb is one lower-case word; the prefix never leaks into it
		// when the text had one (except the prefix typed twice).
		if strings.ContainsFunc(p.Verb, unicode.IsSpace) && utf8.ValidString(p.Verb) {
			t.Fatalf("verb %q of %q contains white space", p.Verb, text)
		}
		if p.Verb != strings.ToLower(p.Verb) {
			t.Fatalf("verb %q of %q is not lower-case", p.Verb, text)
		}
		if strings.Contains(p.Raw, "\n") || p.Raw != strings.TrimSpace(p.Raw) {
			t.Fatalf("raw %q of %q is not one trimmed line", p.Raw, text)
		}
		if strings.HasPrefix(p.Body, "\n") || strings.HasSuffix(p.Body, "\n") {
			t.Fatalf("body %q of %q keeps blank edges", p.Body, text)
		}
		if p.Raw == "" && p.Args != nil {
			t.Fatalf("no raw text but args %q", p.Args)
		}
		if !reflect.DeepEqual(p.Args, SplitArgs(p.Raw)) {
			t.Fatalf("args %q are not SplitArgs(raw %q)", p.Args, p.Raw)
		}

		// Metamorphic: "<prefix> x" parses like x addressed by mention.
		if x := strings.TrimSpace(text); x != "" && !hasPrefix(firstLine(x)) && !startsSpace(x) {
			for _, pre := range []string{"/liaison ", "!LIAISON\t", "//liaison "} {
				q, ok := Parse(pre+x, false, false)
				want, _ := Parse(x, true, false)
				if !ok || !reflect.DeepEqual(q, want) {
					t.Fatalf("Parse(%q) = %+v, %v; want %+v as for the bare text", pre+x, q, ok, want)
				}
			}
		}

		checkArgsRoundTrip(t, p.Args)
		checkKeyValues(t, p.Args)
	})
}

// FuzzSplitArgs: any argument list survives quoting and splitting again.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`a "b c" d`, `don't`, `x="y z"`, `'' ""`, `a\ b`, `#1 two`, "tab\there", "é ü ß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := SplitArgs(s)
		if s == "" && args != nil {
			t.Fatalf("SplitArgs(\"\") = %q", args)
		}
		checkArgsRoundTrip(t, args)
		checkKeyValues(t, args)
	})
}

// checkArgsRoundTrip: quoting args shell-style and splitting them again
// gives the same words (SplitArgs does not read quotes in text with '#').
// Chat messages are UTF-8 (Matrix events are JSON); the shell lexer reads
// invalid bytes as U+FFFD, so those are left out.
func checkArgsRoundTrip(t *testing.T, args []string) {
	t.Helper()
	if len(args) == 0 {
		return
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		if strings.Contains(a, "#") || !utf8.ValidString(a) {
			return
		}
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'"'"'`) + "'"
	}
	line := strings.Join(quoted, " ")
	if got := SplitArgs(line); !reflect.DeepEqual(got, args) {
		t.Fatalf("args %q quoted as %q split back to %q", args, line, got)
	}
}

func checkKeyValues(t *testing.T, args []string) {
	t.Helper()
	kv, pos := KeyValues(args)
	if len(pos) > len(args) || len(kv)+len(pos) > len(args) {
		t.Fatalf("KeyValues(%q) = %v %q: more out than in", args, kv, pos)
	}
	for k := range kv {
		if k == "" || k != strings.ToLower(k) || strings.ContainsAny(k, " \t=") {
			t.Fatalf("KeyValues(%q): bad key %q", args, k)
		}
	}
	j := 0
	for _, a := range args {
		if j < len(pos) && pos[j] == a {
			j++
		}
	}
	if j != len(pos) {
		t.Fatalf("KeyValues(%q): positional %q are not the inputs in order", args, pos)
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	first, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(first)
}

func hasPrefix(line string) bool {
	_, ok := stripPrefix(line)
	return ok
}

func startsSpace(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// Found by FuzzParse: a tab (or another space) after the verb glued the
// arguments to it ("show\t2043" was an unknown verb).
func TestParseVerbEndsAtAnySpace(t *testing.T) {
	for _, text := range []string{"/liaison show\t2043", "/liaison show\u00a02043", "!liaison show\v2043"} {
		p, ok := Parse(text, false, false)
		if !ok || p.Verb != "show" || !reflect.DeepEqual(p.Args, []string{"2043"}) {
			t.Errorf("Parse(%q) = %+v, %v", text, p, ok)
		}
	}
}
