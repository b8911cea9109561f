package commands

import (
	"strings"
	"unicode"

	"go.mau.fi/util/shlex"
)

// Prefixes a command may start with. Element intercepts unknown /commands,
// so "!liaison" works everywhere; "//liaison" is Element's escape for a
// literal "/liaison".
var prefixes = []string{"/liaison", "!liaison", "//liaison"}

// Parsed is a command line split into verb, arguments and body.
type Parsed struct {
	Verb string   // lower-case verb; "" for a bare prefix
	Args []string // shell-style words of the first line after the verb
	Raw  string   // the first line after the verb, typographic quotes made ASCII
	Body string   // the lines after the first one (e.g. a draft's body)
	// OpenQuote is the word whose '"' is never closed, if any: verbs that
	// take key=value fields refuse the line rather than guess (FieldArgs).
	OpenQuote string
}

// Parse recognises a command in a message. mention is true when the
// transport saw the bot mentioned at the start of the message (and removed
// the mention); direct is true in a one-to-one conversation with the bot,
// where plain verbs are accepted. ok is false when the text is not for us.
func Parse(text string, mention, direct bool) (Parsed, bool) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	first, body, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	rest, found := stripPrefix(first)
	if !found {
		if !mention && !direct {
			return Parsed{}, false
		}
		rest = first
	}
	// The verb ends at any white space: a tab or a no-break space after it
	// (pasted text) must not glue the arguments to it.
	verb, raw := strings.TrimSpace(rest), ""
	if i := strings.IndexFunc(verb, unicode.IsSpace); i >= 0 {
		verb, raw = verb[:i], verb[i:]
	}
	p := Parsed{Verb: strings.ToLower(verb), Raw: normalizeQuotes(strings.TrimSpace(raw)), Body: strings.Trim(body, "\n")}
	p.Args = SplitArgs(p.Raw)
	p.OpenQuote = unterminatedQuote(p.Raw)
	return p, true
}

func stripPrefix(line string) (string, bool) {
	lower := strings.ToLower(line)
	for _, p := range prefixes {
		if strings.HasPrefix(lower, p) && (len(line) == len(p) || line[len(p)] == ' ' || line[len(p)] == '\t') {
			return line[len(p):], true
		}
	}
	return "", false
}

// SplitArgs splits words shell-style so quoted values keep their spaces
// (subject="LS on YANG models"); text that is not valid shell syntax (an
// apostrophe in free text) falls back to splitting on white space.
func SplitArgs(s string) []string {
	if s == "" {
		return nil
	}
	if !strings.Contains(s, "#") {
		if words, err := shlex.Split(s); err == nil {
			return words
		}
	}
	return strings.Fields(s)
}

// KeyValues separates key=value arguments from positional ones. Keys are
// lower-cased; a key given twice keeps the last value.
func KeyValues(args []string) (map[string]string, []string) {
	kv := map[string]string{}
	var pos []string
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if ok && k != "" && !strings.ContainsAny(k, " \t") {
			kv[strings.ToLower(k)] = v
			continue
		}
		pos = append(pos, a)
	}
	return kv, pos
}
