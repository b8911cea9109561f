package rules

import (
	"slices"
	"strings"
	"testing"
)

func datePtr(s string) *Date {
	d := MustParseDate(s)
	return &d
}

// goodDraft passes Check with no problems on 2025-09-10.
func goodDraft() Draft {
	return Draft{
		From:        []string{"teas"},
		FromContact: "TEAS Chairs <teas-chairs@ietf.org>, Ada One <ad-one@example.org>",
		SendReplyTo: "liaison-coordination@iab.org",
		To:          []string{"itu-t-sg-15"},
		ToContact:   `"Doe, Jane" <jane@itu.example>, tsbsg15@itu.example`,
		Purpose:     PurposeAction,
		Deadline:    datePtr("2025-10-31"),
		Subject:     "LS on TE topology models",
		Body:        "Please review the attached.",
		Attachments: []string{"ls.pdf"},
		Consensus:   "WG consensus",
	}
}

func fields(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	return out
}

func TestCheck(t *testing.T) {
	dir := testDir()
	today := MustParseDate("2025-09-10")
	tests := []struct {
		name     string
		edit     func(*Draft)
		missing  []string // fields, in order
		warnings []string
		has      string // substring of some message
	}{
		{name: "complete", edit: func(*Draft) {}},
		{name: "no From", edit: func(d *Draft) { d.From = nil }, missing: []string{FieldFrom}},
		{name: "From research group", edit: func(d *Draft) { d.From = []string{"cfrg"} }, missing: []string{FieldFrom}, has: "research group"},
		{name: "From SDO", edit: func(d *Draft) { d.From = []string{"3gpp"} }, missing: []string{FieldFrom}},
		{name: "From unknown", edit: func(d *Draft) { d.From = []string{"teas", "zzz"} }, missing: []string{FieldFrom}, has: "zzz"},
		{name: "From IAB and IESG", edit: func(d *Draft) { d.From = []string{"iab", "iesg"} }},
		{name: "no From-Contact", edit: func(d *Draft) { d.FromContact = " " }, missing: []string{FieldFromContact}},
		{name: "bad From-Contact", edit: func(d *Draft) { d.FromContact = "teas chairs" }, missing: []string{FieldFromContact}, has: "not an e-mail address"},
		{name: "bad Send-Reply-To", edit: func(d *Draft) { d.SendReplyTo = "liaison manager" }, missing: []string{FieldSendReplyTo}},
		{name: "no Send-Reply-To is fine", edit: func(d *Draft) { d.SendReplyTo = "" }},
		{name: "no To", edit: func(d *Draft) { d.To = nil }, missing: []string{FieldTo}},
		{name: "To unknown body", edit: func(d *Draft) { d.To = []string{"w3c"} }, warnings: []string{FieldTo}},
		{name: "To an IETF WG", edit: func(d *Draft) { d.To = []string{"pce"} }, warnings: []string{FieldTo}, has: "not another organisation"},
		{name: "no To-Contact", edit: func(d *Draft) { d.ToContact = "" }, missing: []string{FieldToContact}},
		{name: "contacts split on semicolons and lines", edit: func(d *Draft) { d.ToContact = "a@x.example;\nb@y.example" }},
		{name: "bad Send-To", edit: func(d *Draft) { d.SendTo = "@@" }, missing: []string{FieldSendTo}},
		{name: "no purpose", edit: func(d *Draft) { d.Purpose = ""; d.Deadline = nil }, missing: []string{FieldPurpose}},
		{name: "For Comment retired", edit: func(d *Draft) { d.Purpose = PurposeComment }, missing: []string{FieldPurpose}, has: "retired"},
		{name: "unknown purpose", edit: func(d *Draft) { d.Purpose = "please" }, missing: []string{FieldPurpose}},
		{name: "action without deadline", edit: func(d *Draft) { d.Deadline = nil }, missing: []string{FieldDeadline}, has: "A For Action statement needs a deadline (4053bis §2.2)."},
		{name: "action deadline today", edit: func(d *Draft) { d.Deadline = datePtr("2025-09-10") }, missing: []string{FieldDeadline}, has: "not after today"},
		{name: "action deadline past", edit: func(d *Draft) { d.Deadline = datePtr("2025-09-01") }, missing: []string{FieldDeadline}},
		{name: "action deadline tomorrow", edit: func(d *Draft) { d.Deadline = datePtr("2025-09-11") }},
		{name: "action deadline invalid", edit: func(d *Draft) { d.Deadline = &Date{2025, 2, 30} }, missing: []string{FieldDeadline}},
		{name: "info without deadline", edit: func(d *Draft) { d.Purpose = PurposeInfo; d.Deadline = nil }},
		{name: "info with deadline", edit: func(d *Draft) { d.Purpose = PurposeInfo }, warnings: []string{FieldDeadline}},
		{name: "info with past deadline only warns", edit: func(d *Draft) { d.Purpose = PurposeInfo; d.Deadline = datePtr("2025-01-01") }, warnings: []string{FieldDeadline}},
		{name: "response without related", edit: func(d *Draft) { d.Purpose = PurposeResponse; d.Deadline = nil }, missing: []string{FieldRelated}},
		{name: "response with related", edit: func(d *Draft) { d.Purpose = PurposeResponse; d.Deadline = nil; d.Related = 2042 }},
		{name: "response with deadline", edit: func(d *Draft) { d.Purpose = PurposeResponse; d.Related = 2042 }, warnings: []string{FieldDeadline}},
		{name: "no subject", edit: func(d *Draft) { d.Subject = "  " }, missing: []string{FieldSubject}},
		{name: "two-line subject", edit: func(d *Draft) { d.Subject = "LS on TE\nand more" }, missing: []string{FieldSubject}, has: "single line"},
		{name: "subject with trailing newline is one line", edit: func(d *Draft) { d.Subject = "LS on TE\n" }},
		{name: "long subject", edit: func(d *Draft) { d.Subject = strings.Repeat("x", 101) }, warnings: []string{FieldSubject}},
		{name: "too long subject", edit: func(d *Draft) { d.Subject = strings.Repeat("é", 256) }, missing: []string{FieldSubject}},
		{name: "no body but attachment", edit: func(d *Draft) { d.Body = "" }},
		{name: "body but no attachment", edit: func(d *Draft) { d.Attachments = nil }},
		{name: "neither body nor attachment", edit: func(d *Draft) { d.Body = "\n"; d.Attachments = nil }, missing: []string{FieldBody}},
		{name: "Word file alone", edit: func(d *Draft) { d.Attachments = []string{"ls.docx"} }, warnings: []string{FieldAttachments}},
		{name: "no consensus", edit: func(d *Draft) { d.Consensus = "" }, missing: []string{FieldConsensus}, has: "collected comments, not consensus"},
		{
			name: "empty draft",
			edit: func(d *Draft) { *d = Draft{} },
			missing: []string{FieldFrom, FieldFromContact, FieldTo, FieldToContact, FieldPurpose,
				FieldSubject, FieldBody, FieldConsensus},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := goodDraft()
			tt.edit(&d)
			c := Check(d, today, dir)
			if got := fields(c.Missing); !slices.Equal(got, tt.missing) {
				t.Errorf("missing = %v, want %v\n%v", got, tt.missing, c.Missing)
			}
			if got := fields(c.Warnings); !slices.Equal(got, tt.warnings) {
				t.Errorf("warnings = %v, want %v\n%v", got, tt.warnings, c.Warnings)
			}
			if c.Complete() != (len(tt.missing) == 0) {
				t.Errorf("Complete() = %v", c.Complete())
			}
			checkProblems(t, c.Missing)
			checkProblems(t, c.Warnings)
			if tt.has != "" {
				found := false
				for _, p := range append(c.Missing, c.Warnings...) {
					found = found || strings.Contains(p.Message, tt.has)
				}
				if !found {
					t.Errorf("no message mentions %q: %v %v", tt.has, c.Missing, c.Warnings)
				}
			}
		})
	}
}

func TestAttachmentWarnings(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // file names warned about
	}{
		{"none", nil, nil},
		{"pdf only", []string{"ls.pdf"}, nil},
		{"docx alone", []string{"ls.docx"}, []string{"ls.docx"}},
		{"docx with pdf", []string{"ls.docx", "ls.pdf"}, nil},
		{"docx with txt, other case", []string{"LS-123.DOCX", "ls-123.txt"}, nil},
		{"docx with html", []string{"ls.doc", "ls.html"}, nil},
		{"pptx with an unrelated pdf", []string{"slides.pptx", "cover.pdf"}, []string{"slides.pptx"}},
		{"several", []string{"a.xlsx", "b.vsd", "b.pdf", "c.ppt", "d.md"}, []string{"a.xlsx", "c.ppt"}},
		{"URL to Word file", []string{"https://www.ietf.org/lib/dt/documents/LIAISON/liaison-2025-ls.docx?x=1"}, []string{"liaison-2025-ls.docx"}},
		{"URL with pdf twin", []string{"https://example.org/a/ls.docx", "https://example.org/b/ls.pdf"}, nil},
		{"URL without extension", []string{"https://datatracker.ietf.org/doc/draft-ietf-teas-foo/"}, nil},
		{"open formats", []string{"model.yang", "data.odt", "pic.png"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := AttachmentWarnings(tt.in)
			checkProblems(t, ps)
			var got []string
			for _, p := range ps {
				got = append(got, strings.Fields(p.Message)[0])
				if !strings.Contains(p.Message, "(4053bis §2.3).") {
					t.Errorf("attachment warning must cite §2.3: %q", p.Message)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warned about %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSplitContacts(t *testing.T) {
	tests := []struct {
		in      string
		ok, bad int
	}{
		{"", 0, 0},
		{"a@example.org", 1, 0},
		{`"Doe, Jane" <jane@example.org>, b@example.org`, 2, 0},
		{"A <a@example.org>; b@example.org\r\nc@example.org,,", 3, 0},
		{"teas chairs, a@example.org", 1, 1},
		{"<a@example.org>", 1, 0},
		{"not an address", 0, 1},
	}
	for _, tt := range tests {
		ok, bad := SplitContacts(tt.in)
		if len(ok) != tt.ok || len(bad) != tt.bad {
			t.Errorf("SplitContacts(%q) = %q, %q; want %d ok, %d bad", tt.in, ok, bad, tt.ok, tt.bad)
		}
	}
}
