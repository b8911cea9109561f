package commands

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		text            string
		mention, direct bool
		ok              bool
		verb            string
		args            []string
		body            string
	}{
		{text: "/liaison help", ok: true, verb: "help"},
		{text: "!liaison help show", ok: true, verb: "help", args: []string{"show"}},
		{text: "!LIAISON Show 2043", ok: true, verb: "show", args: []string{"2043"}},
		{text: "//liaison help", ok: true, verb: "help"},
		{text: "!liaison", ok: true, verb: ""},
		{text: "/liaison", ok: true, verb: ""},
		{text: "!liaisonbot help", ok: false},
		{text: "hello /liaison help", ok: false},
		{text: "help", ok: false},
		{text: "help", direct: true, ok: true, verb: "help"},
		{text: "show 12", mention: true, ok: true, verb: "show", args: []string{"12"}},
		{text: `/liaison draft subject="LS on YANG models" purpose=action`, ok: true, verb: "draft",
			args: []string{"subject=LS on YANG models", "purpose=action"}},
		{text: "/liaison noreply 2042 we don't need to", ok: true, verb: "noreply",
			args: []string{"2042", "we", "don't", "need", "to"}},
		{text: "/liaison draft to=itu-t-sg-15\nDear colleagues,\n\nthanks.\n", ok: true, verb: "draft",
			args: []string{"to=itu-t-sg-15"}, body: "Dear colleagues,\n\nthanks."},
		{text: "  /liaison   search  yang #1 ", ok: true, verb: "search", args: []string{"yang", "#1"}},
	}
	for _, tc := range cases {
		p, ok := Parse(tc.text, tc.mention, tc.direct)
		if ok != tc.ok {
			t.Errorf("%q: ok=%v, want %v", tc.text, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if p.Verb != tc.verb || !reflect.DeepEqual(p.Args, tc.args) || p.Body != tc.body {
			t.Errorf("%q: got verb=%q args=%q body=%q; want %q %q %q", tc.text, p.Verb, p.Args, p.Body, tc.verb, tc.args, tc.body)
		}
	}
}

func TestKeyValues(t *testing.T) {
	kv, pos := KeyValues([]string{"to=itu-t-sg-15", "Purpose=action", "2043", "subject=a=b"})
	if kv["to"] != "itu-t-sg-15" || kv["purpose"] != "action" || kv["subject"] != "a=b" || len(pos) != 1 || pos[0] != "2043" {
		t.Fatalf("%v %v", kv, pos)
	}
}

func TestClosestVerb(t *testing.T) {
	d := New(&Env{}, RoomVerbs()...)
	for in, want := range map[string]string{"wach": "watch", "watchin": "watching", "hlep": "help", "who": "whoami"} {
		if got := d.closest(in); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := d.closest("zzzzzzzz"); got != "" {
		t.Errorf("closest of nonsense = %q", got)
	}
}
