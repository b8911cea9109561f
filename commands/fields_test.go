package commands

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTypographicQuotes(t *testing.T) {
	cases := []struct {
		text string
		args []string
		open string
	}{
		{"/liaison draft subject=\u201cTE topology models\u201d purpose=action",
			[]string{"subject=TE topology models", "purpose=action"}, ""},
		{"/liaison draft subject=\u201eYANG\u201c", []string{"subject=YANG"}, ""},
		{"/liaison draft consensus=\u2018WG consensus\u2019 to=x", []string{"consensus=WG consensus", "to=x"}, ""},
		// An apostrophe inside a word stays one.
		{"/liaison noreply 2042 we don\u2019t need to", []string{"2042", "we", "don\u2019t", "need", "to"}, ""},
		{`/liaison draft subject="TE topology models purpose=action`, nil, `subject="TE topology models purpose=action`},
		{"/liaison draft to=x subject=\u201cnever closed", nil, `subject="never closed`},
	}
	for _, tc := range cases {
		p, ok := Parse(tc.text, false, false)
		if !ok {
			t.Fatalf("%q not parsed", tc.text)
		}
		if (tc.open == "") != (p.OpenQuote == "") || !strings.HasPrefix(tc.open, strings.TrimSuffix(p.OpenQuote, "…")) {
			t.Errorf("%q: OpenQuote %q, want %q", tc.text, p.OpenQuote, tc.open)
		}
		if tc.args != nil && !reflect.DeepEqual(p.Args, tc.args) {
			t.Errorf("%q: args %q, want %q", tc.text, p.Args, tc.args)
		}
	}
}

func TestFieldArgs(t *testing.T) {
	known := draftFieldNames
	cases := []struct {
		line string
		want map[string]string
		err  string // part of the usage message; "" for success
	}{
		{`to=itu-t-sg-15 subject="TE models"`, map[string]string{"to": "itu-t-sg-15", "subject": "TE models"}, ""},
		{`Subject=x`, map[string]string{"subject": "x"}, ""},
		// The same value twice is harmless; two values is a mistake.
		{`to=a to=a`, map[string]string{"to": "a"}, ""},
		{`subject=one subject=two`, nil, `The field subject is given twice ("one" and "two")`},
		{`subjct=x`, nil, `Unknown field "subjct" (did you mean subject?)`},
		{`deadlin=2027-01-01`, nil, `did you mean deadline?`},
		{`consenus="WG consensus"`, nil, `did you mean consensus?`},
		{`colour=blue`, nil, `Unknown field "colour".`},
		{`to=x hello`, nil, `Unexpected "hello"`},
		{`subject="open`, nil, `The quote in subject="open is not closed`},
	}
	for _, tc := range cases {
		p, _ := Parse("/liaison draft "+tc.line, false, false)
		kv, err := FieldArgs(p, p.Args, known)
		if tc.err == "" {
			if err != nil || !reflect.DeepEqual(kv, tc.want) {
				t.Errorf("%s: %v %v, want %v", tc.line, kv, err, tc.want)
			}
			continue
		}
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tc.err) {
			t.Errorf("%s: error %v, want a usage error containing %q", tc.line, err, tc.err)
		}
	}
}

func TestNearest(t *testing.T) {
	words := []string{"list", "search", "show", "submit", "subject"}
	for in, want := range map[string]string{"shwo": "show", "sub": "", "su": "", "lst": "list", "xyzzy": ""} {
		// "sub" and "su" are prefixes of two words at distance 1: the first
		// alphabetically wins, so check only that something is suggested.
		got := nearest(in, words, 3)
		if want == "" && (in == "sub" || in == "su") {
			if got == "" {
				t.Errorf("nearest(%q) = \"\", want a suggestion", in)
			}
			continue
		}
		if got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
