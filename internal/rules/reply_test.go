package rules

import (
	"slices"
	"testing"
)

func TestReplyDraft(t *testing.T) {
	orig := Incoming{
		ID:                2042,
		FromGroups:        []string{"itu-t-sg-15"},
		ToGroups:          []string{"teas", "ccamp"},
		ResponseContacts:  "tsbsg15@itu.example",
		FromContact:       "Jane Doe <jane@itu.example>",
		TechnicalContacts: "expert@itu.example, jane@itu.example",
		Title:             "LS on  TE topology\r\n models",
	}
	tests := []struct {
		name  string
		orig  Incoming
		from  []string
		check func(t *testing.T, d Draft)
	}{
		{
			name: "full original",
			orig: orig,
			check: func(t *testing.T, d Draft) {
				if !slices.Equal(d.To, []string{"itu-t-sg-15"}) {
					t.Errorf("To = %v, want the original From", d.To)
				}
				if !slices.Equal(d.From, []string{"teas", "ccamp"}) {
					t.Errorf("From = %v, want the original To", d.From)
				}
				if d.SendTo != "tsbsg15@itu.example" {
					t.Errorf("SendTo = %q, want the original Send-Reply-To", d.SendTo)
				}
				if d.ToContact != "Jane Doe <jane@itu.example>, expert@itu.example" {
					t.Errorf("ToContact = %q", d.ToContact)
				}
				if d.Purpose != PurposeResponse || d.Related != 2042 || d.Deadline != nil {
					t.Errorf("purpose %q related %d deadline %v", d.Purpose, d.Related, d.Deadline)
				}
				if d.Subject != "Reply to: LS on TE topology models" {
					t.Errorf("Subject = %q", d.Subject)
				}
				if d.FromContact != "" || d.SendReplyTo != "" || d.Body != "" || d.Consensus != "" {
					t.Errorf("fields for the chair were pre-filled: %+v", d)
				}
			},
		},
		{
			name: "From given",
			orig: orig,
			from: []string{"teas"},
			check: func(t *testing.T, d Draft) {
				if !slices.Equal(d.From, []string{"teas"}) {
					t.Errorf("From = %v", d.From)
				}
			},
		},
		{
			name: "no Send-Reply-To: no Send-To",
			orig: Incoming{ID: 7, FromGroups: []string{"3gpp"}, ToGroups: []string{"teas"}, FromContact: "a@3gpp.example", Title: "LS"},
			check: func(t *testing.T, d Draft) {
				if d.SendTo != "" || d.ToContact != "a@3gpp.example" {
					t.Errorf("SendTo %q ToContact %q", d.SendTo, d.ToContact)
				}
			},
		},
		{
			name: "only response contacts: they are the To-Contact as well",
			orig: Incoming{ID: 8, FromGroups: []string{"3gpp"}, ResponseContacts: "r1@3gpp.example, r2@3gpp.example", Title: "LS"},
			check: func(t *testing.T, d Draft) {
				if d.SendTo != "r1@3gpp.example, r2@3gpp.example" || d.ToContact != d.SendTo {
					t.Errorf("SendTo %q ToContact %q", d.SendTo, d.ToContact)
				}
			},
		},
		{
			name: "older Datatracker from_contact URI",
			orig: Incoming{ID: 9, FromGroups: []string{"3gpp"}, FromContact: "/api/v1/person/email/old@3gpp.example/", Title: "LS"},
			check: func(t *testing.T, d Draft) {
				if d.ToContact != "old@3gpp.example" {
					t.Errorf("ToContact = %q", d.ToContact)
				}
			},
		},
		{
			name: "title already a reply",
			orig: Incoming{ID: 10, Title: "Reply to: LS on X"},
			check: func(t *testing.T, d Draft) {
				if d.Subject != "Reply to: LS on X" {
					t.Errorf("Subject = %q", d.Subject)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, ReplyDraft(tt.orig, tt.from)) })
	}
}

// TestReplyDraftChecks: a pre-filled reply lacks only what the chair must
// write.
func TestReplyDraftChecks(t *testing.T) {
	d := ReplyDraft(Incoming{
		ID: 2042, FromGroups: []string{"itu-t-sg-15"}, ToGroups: []string{"teas"},
		ResponseContacts: "tsbsg15@itu.example", FromContact: "jane@itu.example", Title: "LS on TE",
	}, nil)
	c := Check(d, MustParseDate("2025-09-10"), testDir())
	want := []string{FieldFromContact, FieldBody, FieldConsensus}
	if got := fields(c.Missing); !slices.Equal(got, want) {
		t.Errorf("missing = %v, want %v", got, want)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings = %v", c.Warnings)
	}
}
