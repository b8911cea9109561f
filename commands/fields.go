package commands

import (
	"slices"
	"strings"
	"unicode"
)

// typographic double quotes that phones and word processors put where a
// user typed '"'; they quote a value just as '"' does.
var doubleQuotes = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`, "\u00ab", `"`, "\u00bb", `"`)

// normalizeQuotes turns typographic quotes into the ASCII ones SplitArgs
// understands. Single typographic quotes become "'" only where they open a
// word or a value (after "=") and where they close one, so an apostrophe
// inside a word (don’t) stays an apostrophe.
func normalizeQuotes(s string) string {
	s = doubleQuotes.Replace(s)
	if !strings.ContainsAny(s, "\u2018\u2019") {
		return s
	}
	rs := []rune(s)
	open := false
	for i, r := range rs {
		switch {
		case r == '\u2018' && (i == 0 || unicode.IsSpace(rs[i-1]) || rs[i-1] == '='):
			rs[i], open = '\'', true
		case r == '\u2019' && open && (i == len(rs)-1 || unicode.IsSpace(rs[i+1])):
			rs[i], open = '\'', false
		}
	}
	return string(rs)
}

// unterminatedQuote reports the argument text from an opening '"' that is
// never closed, or "" when every double quote is closed.
func unterminatedQuote(s string) string {
	start, in := -1, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if in {
				i++
			}
		case '"':
			if !in {
				start = i
			}
			in = !in
		}
	}
	if !in {
		return ""
	}
	// Show the word the quote belongs to (subject="TE topo…).
	from := strings.LastIndexFunc(s[:start], unicode.IsSpace) + 1
	w := s[from:]
	if r := []rune(w); len(r) > 40 {
		w = string(r[:40]) + "…"
	}
	return w
}

// FieldArgs reads key=value arguments strictly: every argument must be a
// key=value pair with a known key (aliases included), given once, and the
// line's quotes must be closed. The errors are usage errors that say what
// to type instead.
func FieldArgs(p Parsed, args []string, known []string) (map[string]string, error) {
	if p.OpenQuote != "" {
		return nil, Usagef("The quote in %s is not closed; end the value with \" (straight or typographic quotes both work).", p.OpenQuote)
	}
	kv := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, Usagef("Unexpected %q: give fields as key=value (quote values with spaces).", a)
		}
		k = strings.ToLower(k)
		if !slices.Contains(known, k) {
			if s := nearest(k, known, 3); s != "" {
				return nil, Usagef("Unknown field %q (did you mean %s?).", k, s)
			}
			return nil, Usagef("Unknown field %q.", k)
		}
		if prev, dup := kv[k]; dup && prev != v {
			return nil, Usagef("The field %s is given twice (%q and %q); give it once.", k, prev, v)
		}
		kv[k] = v
	}
	return kv, nil
}

// nearest is the word of words closest to w when it is near enough to be
// a typo: edit distance below maxDist, or w a prefix of it (at least two
// letters, counted as distance 1). Ties go to the alphabetically first.
func nearest(w string, words []string, maxDist int) string {
	best, bestD := "", maxDist
	for _, k := range words {
		d := editDistance(w, k)
		if len(w) >= 2 && strings.HasPrefix(k, w) {
			d = min(d, 1)
		}
		if d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return best
}
