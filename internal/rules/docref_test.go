package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestExtractDocRefs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // Kind:Name:Rev:Display
	}{
		{"nothing", "Please send comments.", nil},
		{"draft with revision", "See draft-ietf-teas-yang-te-topo-22 for details.",
			[]string{"draft:draft-ietf-teas-yang-te-topo:22:draft-ietf-teas-yang-te-topo-22"}},
		{"draft without revision", "(draft-smith-foo-bar)", []string{"draft:draft-smith-foo-bar::draft-smith-foo-bar"}},
		{"draft file name", "attached draft-ietf-teas-foo-03.txt.", []string{"draft:draft-ietf-teas-foo:03:draft-ietf-teas-foo-03"}},
		{"draft URL", "https://datatracker.ietf.org/doc/draft-ietf-pce-bar/", []string{"draft:draft-ietf-pce-bar::draft-ietf-pce-bar"}},
		{"draft upper case", "DRAFT-IETF-TEAS-FOO-01", []string{"draft:draft-ietf-teas-foo:01:draft-ietf-teas-foo-01"}},
		{"draft year suffix is not a revision", "draft-iab-workshop-2024", []string{"draft:draft-iab-workshop-2024::draft-iab-workshop-2024"}},
		{"two revisions deduplicated", "draft-a-b-01 then draft-a-b-02", []string{"draft:draft-a-b:01:draft-a-b-01"}},
		{"not a draft name", "a pre-draft-review and the draft-statement", nil},
		{"RFC forms", "RFC 9110, rfc9111 and RFC-9112; also RFC 0791.",
			[]string{"rfc:rfc9110::RFC 9110", "rfc:rfc9111::RFC 9111", "rfc:rfc9112::RFC 9112", "rfc:rfc791::RFC 791"}},
		{"RFC deduplicated", "RFC 9110 ... rfc9110 ... RFC 9110", []string{"rfc:rfc9110::RFC 9110"}},
		{"RFC URL", "https://www.rfc-editor.org/rfc/rfc8174.html", []string{"rfc:rfc8174::RFC 8174"}},
		{"RFC inside a draft name is not an RFC", "draft-iab-rfc4053bis-03 replaces RFC 4053",
			[]string{"draft:draft-iab-rfc4053bis:03:draft-iab-rfc4053bis-03", "rfc:rfc4053::RFC 4053"}},
		{"not RFCs", "RFCs, RFC-Editor, rfc9110bis, xrfc123", nil},
		{"order of first mention", "RFC 8174 and draft-ietf-x-y-00 and RFC 2119",
			[]string{"rfc:rfc8174::RFC 8174", "draft:draft-ietf-x-y:00:draft-ietf-x-y-00", "rfc:rfc2119::RFC 2119"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range ExtractDocRefs(tt.in) {
				got = append(got, r.Kind+":"+r.Name+":"+r.Rev+":"+r.Display)
				if r.Kind == DocRFC && "rfc"+strings.TrimPrefix(r.Display, "RFC ") != r.Name {
					t.Errorf("RFC number and name disagree: %+v", r)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDocWarnings(t *testing.T) {
	tests := []struct {
		name string
		doc  DocInfo
		warn string // substring of the warning; "" = none
		sec  string
	}{
		{"Proposed Standard", DocInfo{Name: "rfc9110", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "ps"}, "", ""},
		{"Internet Standard", DocInfo{Name: "rfc791", Kind: DocRFC, Found: true, Stream: "legacy", StdLevel: "std"}, "", ""},
		{"Draft Standard", DocInfo{Name: "rfc1234", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "ds"}, "", ""},
		{"BCP counts as standards track in §4.3", DocInfo{Name: "rfc2119", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "bcp"}, "", ""},
		{"WG Informational RFC", DocInfo{Name: "rfc8453", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "inf", WGDocument: true}, "", ""},
		{"non-WG Informational RFC", DocInfo{Name: "rfc9999", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "inf"}, "Informational and not from a WG", "4053bis §4.3"},
		{"Experimental RFC", DocInfo{Name: "rfc8000", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "exp", WGDocument: true}, "RFC 8000 is Experimental", "4053bis §4.3"},
		{"Historic RFC", DocInfo{Name: "rfc1000", Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "hist"}, "Historic", "4053bis §4.3"},
		{"unknown level", DocInfo{Name: "rfc100", Kind: DocRFC, Found: true, Stream: "legacy", StdLevel: "unkn"}, "no known status", "4053bis §4.3"},
		{"IRTF RFC", DocInfo{Name: "rfc9180", Kind: DocRFC, Found: true, Stream: "irtf", StdLevel: "inf"}, "IRTF stream", "4053bis §1, §4.3"},
		{"Independent Stream RFC", DocInfo{Name: "rfc8700", Kind: DocRFC, Found: true, Stream: "ise", StdLevel: "inf"}, "Independent Stream", "4053bis §1, §4.3"},
		{"IAB RFC", DocInfo{Name: "rfc8890", Kind: DocRFC, Found: true, Stream: "iab", StdLevel: "inf"}, "IAB stream", "4053bis §1, §4.3"},
		{"WG draft, standards track", DocInfo{Name: "draft-ietf-teas-foo", Kind: DocDraft, Found: true, Stream: "ietf", WGDocument: true, IntendedStdLevel: "ps"}, "work in progress", "4053bis §4.3"},
		{"individual draft", DocInfo{Name: "draft-smith-foo", Kind: DocDraft, Found: true, Stream: "ietf", IntendedStdLevel: "ps"}, "individual Internet-Draft", "4053bis §4.3"},
		{"RG draft", DocInfo{Name: "draft-irtf-cfrg-foo", Kind: DocDraft, Found: true, Stream: "irtf", WGDocument: false}, "IRTF stream", "4053bis §1, §4.3"},
		{"not found", DocInfo{Name: "draft-nobody-nothing", Kind: DocDraft}, "could not be found", "4053bis §4.3"},
		{"RFC not found", DocInfo{Name: "rfc99999", Kind: DocRFC}, "RFC 99999 could not be found", "4053bis §4.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := DocWarnings([]DocInfo{tt.doc})
			checkProblems(t, ps)
			if tt.warn == "" {
				if len(ps) != 0 {
					t.Errorf("unexpected warning %v", ps)
				}
				return
			}
			if len(ps) != 1 || !strings.Contains(ps[0].Message, tt.warn) || ps[0].Section != tt.sec {
				t.Errorf("got %v, want one warning with %q citing %s", ps, tt.warn, tt.sec)
			}
		})
	}
	if got := DocWarnings(nil); got != nil {
		t.Errorf("DocWarnings(nil) = %v", got)
	}
}

func TestDocStatus(t *testing.T) {
	tests := []struct {
		doc  DocInfo
		want string
	}{
		{DocInfo{Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "ps"}, "Proposed Standard"},
		{DocInfo{Kind: DocRFC, Found: true, Stream: "ietf", StdLevel: "bcp"}, "Best Current Practice"},
		{DocInfo{Kind: DocRFC, Found: true, Stream: "ise", StdLevel: "inf"}, "Informational, the Independent Stream, not IETF consensus"},
		{DocInfo{Kind: DocDraft, Found: true, Stream: "ietf", WGDocument: true}, "WG Internet-Draft, work in progress"},
		{DocInfo{Kind: DocDraft, Found: true, Stream: "ietf"}, "individual Internet-Draft, not IETF consensus"},
		{DocInfo{Kind: DocDraft, Found: true, Stream: "irtf"}, "Internet-Draft in the IRTF stream, not IETF consensus"},
		{DocInfo{Kind: DocDraft}, ""},
	}
	for _, tt := range tests {
		if got := DocStatus(tt.doc); got != tt.want {
			t.Errorf("DocStatus(%+v) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}
