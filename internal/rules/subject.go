package rules

import (
	"strings"
	"unicode"
)

// subjectNoise are words that say nothing about what a statement is about
// but are often added or dropped between a draft and the statement entered
// in the Datatracker ("LS on …", "… (final)", "Reply to …").
var subjectNoise = map[string]bool{
	"ls": true, "liaison": true, "statement": true, "final": true, "draft": true, "revised": true,
	"v1": true, "v2": true, "v3": true, "the": true, "a": true, "an": true, "on": true, "of": true,
	"to": true, "re": true, "and": true, "for": true, "reply": true, "response": true,
}

// subjectWords are the words of a subject that carry its meaning,
// lower-cased, without punctuation and noise words.
func subjectWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !subjectNoise[w] {
			out[w] = true
		}
	}
	return out
}

// SubjectSimilarity is how alike two statement subjects are, from 0 to 1:
// the share of meaningful words they have in common (Jaccard index over
// words without case, punctuation and noise such as "LS", "final").
// The bot uses it to link an approved draft to the statement entered for
// it, whose subject the chair may have touched up (4053bis §3: every sent
// statement is recorded).
func SubjectSimilarity(a, b string) float64 {
	wa, wb := subjectWords(a), subjectWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
			return 1
		}
		return 0
	}
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	return float64(common) / float64(len(wa)+len(wb)-common)
}

// SameSubject is the threshold the bot links by: most meaningful words in
// common.
func SameSubject(a, b string) bool { return SubjectSimilarity(a, b) >= 0.6 }
