package rules

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCanOriginate(t *testing.T) {
	dir := testDir()
	tests := []struct {
		acronym string
		ok      bool
		want    string // substring of the error
	}{
		{"teas", true, ""},
		{"rtg", true, ""},
		{"ietf", true, ""},
		{"iesg", true, ""},
		{"iab", true, ""},
		{"cfrg", false, "research group"},
		{"irtf", false, "IRTF"},
		{"itu-t-sg-15", false, "another organisation"},
		{"secdir", false, "cannot send"},
		{"oldwg", false, `no longer active (Datatracker state "conclude")`},
		{"sleepy", false, "no longer active"},
		{"newwg", true, ""},
	}
	for _, tt := range tests {
		g, ok := dir.GroupByAcronym(tt.acronym)
		if !ok {
			t.Fatalf("no group %s", tt.acronym)
		}
		err := CanOriginate(g)
		if (err == nil) != tt.ok {
			t.Errorf("CanOriginate(%s) = %v, want ok=%v", tt.acronym, err, tt.ok)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CanOriginate(%s) = %q, want it to mention %q", tt.acronym, err, tt.want)
			}
			checkCited(t, err.Error())
			var oe *OriginError
			if !errors.As(err, &oe) || oe.Group != g.Acronym {
				t.Errorf("CanOriginate(%s) error is %T", tt.acronym, err)
			}
		}
	}
	// Types set by a caller rather than the Datatracker's "ietf" for all three.
	for _, g := range []Group{{Acronym: "x", Type: TypeIESG}, {Acronym: "y", Type: TypeIAB}, {Acronym: "IETF"}} {
		if err := CanOriginate(g); err != nil {
			t.Errorf("CanOriginate(%+v) = %v", g, err)
		}
	}
	if err := CanOriginate(Group{Acronym: "llc", Type: TypeIETF}); err == nil {
		t.Error("an ietf-type group other than ietf/iesg/iab must not originate")
	}
	if err := CanOriginate(Group{Acronym: "cfrg", Type: TypeRG}); err == nil || !strings.Contains(err.Error(), "(4053bis §1).") {
		t.Errorf("research group error must cite §1: %v", err)
	}
}

type wantApprover struct {
	email string
	role  string
	group string
	for_  []string
}

func TestApprovers(t *testing.T) {
	dir := testDir()
	tests := []struct {
		name      string
		from      []string
		overrides map[string][]string
		want      []wantApprover
		errGroups []string // groups named in the error
		errHas    []string // substrings of the error
	}{
		{
			name: "WG: responsible AD and area ADs, deduplicated",
			from: []string{"teas"},
			want: []wantApprover{
				{"ad-one@example.org", "ad", "teas", []string{"teas"}},
				{"ad-two@example.org", "ad", "rtg", []string{"teas"}},
			},
		},
		{
			name: "WG acronym in upper case",
			from: []string{"TEAS"},
			want: []wantApprover{
				{"ad-one@example.org", "ad", "teas", []string{"TEAS"}},
				{"ad-two@example.org", "ad", "rtg", []string{"TEAS"}},
			},
		},
		{
			name: "area: its ADs",
			from: []string{"rtg"},
			want: []wantApprover{
				{"AD-One@example.org", "ad", "rtg", []string{"rtg"}},
				{"ad-two@example.org", "ad", "rtg", []string{"rtg"}},
			},
		},
		{
			name: "IETF: the IETF Chair",
			from: []string{"ietf"},
			want: []wantApprover{{"ietf-chair@example.org", "chair", "ietf", []string{"ietf"}}},
		},
		{
			name: "IESG: the IETF Chair too",
			from: []string{"iesg"},
			want: []wantApprover{{"ietf-chair@example.org", "chair", "ietf", []string{"iesg"}}},
		},
		{
			name: "IAB: the IAB Chair",
			from: []string{"iab"},
			want: []wantApprover{{"iab-chair@example.org", "chair", "iab", []string{"iab"}}},
		},
		{
			name:      "research group: nobody",
			from:      []string{"cfrg"},
			errGroups: []string{"cfrg"},
			errHas:    []string{"research group", "(4053bis §1)."},
		},
		{
			name:      "SDO: nobody",
			from:      []string{"itu-t-sg-15"},
			errGroups: []string{"itu-t-sg-15"},
			errHas:    []string{"another organisation"},
		},
		{
			name: "two WGs of one area: union, not intersection (datatracker #9457)",
			from: []string{"teas", "pce"},
			want: []wantApprover{
				{"ad-one@example.org", "ad", "teas", []string{"teas", "pce"}},
				{"ad-two@example.org", "ad", "rtg", []string{"teas", "pce"}},
			},
		},
		{
			name: "WG and IAB: everyone of both",
			from: []string{"teas", "iab"},
			want: []wantApprover{
				{"ad-one@example.org", "ad", "teas", []string{"teas"}},
				{"ad-two@example.org", "ad", "rtg", []string{"teas"}},
				{"iab-chair@example.org", "chair", "iab", []string{"iab"}},
			},
		},
		{
			name: "duplicate From groups count once",
			from: []string{"ietf", "IETF", " "},
			want: []wantApprover{{"ietf-chair@example.org", "chair", "ietf", []string{"ietf"}}},
		},
		{
			name:      "override replaces the computed list",
			from:      []string{"teas"},
			overrides: map[string][]string{"TEAS": {"deputy@example.org", "ad-two@example.org", "Deputy@example.org"}},
			want: []wantApprover{
				{"deputy@example.org", "override", "teas", []string{"teas"}},
				{"ad-two@example.org", "override", "teas", []string{"teas"}},
			},
		},
		{
			name:      "override covers a group with no ADs",
			from:      []string{"lamps"},
			overrides: map[string][]string{"lamps": {"sec-ad@example.org"}},
			want:      []wantApprover{{"sec-ad@example.org", "override", "lamps", []string{"lamps"}}},
		},
		{
			name:      "override covers a group missing from the role data",
			from:      []string{"newwg"},
			overrides: map[string][]string{"newwg": {"x@example.org"}},
			want:      []wantApprover{{"x@example.org", "override", "newwg", []string{"newwg"}}},
		},
		{
			name:      "empty override is ignored",
			from:      []string{"iab"},
			overrides: map[string][]string{"iab": {}},
			want:      []wantApprover{{"iab-chair@example.org", "chair", "iab", []string{"iab"}}},
		},
		{
			name:      "override does not make a research group a sender",
			from:      []string{"cfrg"},
			overrides: map[string][]string{"cfrg": {"rgchair@example.org"}},
			errGroups: []string{"cfrg"},
			errHas:    []string{"research group"},
		},
		{
			name:      "WG with no AD anywhere: error naming it and the config key",
			from:      []string{"lamps"},
			errGroups: []string{"lamps"},
			errHas:    []string{"lamps", "approvals.overrides.lamps", "(4053bis §4.1)."},
		},
		{
			name:      "WG without area or AD",
			from:      []string{"orphan"},
			errGroups: []string{"orphan"},
			errHas:    []string{"no parent area"},
		},
		{
			name: "one From group without approvers: the others are still returned",
			from: []string{"teas", "lamps"},
			want: []wantApprover{
				{"ad-one@example.org", "ad", "teas", []string{"teas"}},
				{"ad-two@example.org", "ad", "rtg", []string{"teas"}},
			},
			errGroups: []string{"lamps"},
		},
		{
			name:      "unknown group",
			from:      []string{"nosuchwg"},
			errGroups: []string{"nosuchwg"},
			errHas:    []string{"not in the role data", "approvals.overrides.nosuchwg"},
		},
		{
			name:   "no From group",
			from:   nil,
			errHas: []string{"From group"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Approvers(dir, tt.from, tt.overrides)
			var gotW []wantApprover
			for _, a := range got {
				gotW = append(gotW, wantApprover{a.Email, a.Role, a.Group, a.For})
			}
			if !slices.EqualFunc(gotW, tt.want, func(a, b wantApprover) bool {
				return a.email == b.email && a.role == b.role && a.group == b.group && slices.Equal(a.for_, b.for_)
			}) {
				t.Errorf("approvers = %+v\nwant %+v", gotW, tt.want)
			}
			wantErr := len(tt.errGroups) > 0 || len(tt.errHas) > 0
			if (err != nil) != wantErr {
				t.Fatalf("err = %v, want error %v", err, wantErr)
			}
			if err == nil {
				return
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				checkCited(t, line)
			}
			for _, g := range tt.errGroups {
				var ae *ApprovalError
				var oe *OriginError
				switch {
				case errors.As(err, &ae) && ae.Group == g:
				case errors.As(err, &oe) && oe.Group == g:
				default:
					t.Errorf("error %q does not carry group %s", err, g)
				}
			}
		})
	}
}

func TestApproverPersonName(t *testing.T) {
	dir := testDir()
	got, _ := Approvers(dir, []string{"teas"}, map[string][]string{"teas": {"ad-two@example.org", "new@example.org"}})
	if len(got) != 2 || got[0].Person != "Bo Two" || got[1].Person != "" {
		t.Errorf("override approvers should carry known names: %+v", got)
	}
}

func TestCanApprove(t *testing.T) {
	dir := testDir()
	tests := []struct {
		email     string
		from      []string
		overrides map[string][]string
		want      bool
	}{
		{"ad-one@example.org", []string{"teas"}, nil, true},
		{"AD-TWO@example.org", []string{"teas"}, nil, true}, // area AD, any case
		{"ad-two@example.org", []string{"lamps"}, nil, false},
		{"maria@example.net", []string{"teas"}, nil, false}, // chairs do not approve
		{"ietf-chair@example.org", []string{"iesg"}, nil, true},
		{"ietf-chair@example.org", []string{"iab"}, nil, false},
		{"iab-chair@example.org", []string{"iab"}, nil, true},
		{"iab-chair@example.org", []string{"teas", "iab"}, nil, true}, // one approval suffices
		{"ad-one@example.org", []string{"teas", "lamps"}, nil, true},
		{"rgchair@example.org", []string{"cfrg"}, nil, false},
		{"ad-one@example.org", []string{"teas"}, map[string][]string{"teas": {"deputy@example.org"}}, false},
		{"deputy@example.org", []string{"teas"}, map[string][]string{"teas": {"deputy@example.org"}}, true},
		{"", []string{"teas"}, nil, false},
	}
	for _, tt := range tests {
		if got := CanApprove(dir, tt.email, tt.from, tt.overrides); got != tt.want {
			t.Errorf("CanApprove(%s, %v, %v) = %v, want %v", tt.email, tt.from, tt.overrides, got, tt.want)
		}
	}
}

func TestCanSubmit(t *testing.T) {
	dir := testDir()
	admins := []string{"Admin@Example.org"}
	tests := []struct {
		email string
		from  []string
		want  bool
	}{
		{"maria@example.net", []string{"teas"}, true},         // WG chair
		{"sam@example.org", []string{"teas"}, true},           // WG secretary
		{"ad-one@example.org", []string{"teas"}, true},        // responsible AD
		{"ad-two@example.org", []string{"teas"}, true},        // parent area AD
		{"ad-two@example.org", []string{"rtg"}, true},         // area AD for the area
		{"maria@example.net", []string{"pce"}, false},         // chair of another WG
		{"maria@example.net", []string{"teas", "pce"}, false}, // must speak for every From group
		{"ad-two@example.org", []string{"teas", "pce"}, true},
		{"ietf-chair@example.org", []string{"ietf"}, true},
		{"ietf-chair@example.org", []string{"iesg"}, true},
		{"iab-chair@example.org", []string{"iab"}, true},
		{"ad-one@example.org", []string{"iab"}, false},
		{"rgchair@example.org", []string{"cfrg"}, false},     // research groups do not send
		{"coord@example.org", []string{"teas", "iab"}, true}, // liaison coordinator
		{"lm@example.org", []string{"teas"}, true},           // liaison manager (FAQ)
		{"admin@example.org", []string{"lamps"}, true},       // config admin
		{"stranger@example.org", []string{"teas"}, false},
		{"maria@example.net", nil, false},
		{"", []string{"teas"}, false},
	}
	for _, tt := range tests {
		if got := CanSubmit(dir, tt.email, tt.from, admins); got != tt.want {
			t.Errorf("CanSubmit(%s, %v) = %v, want %v", tt.email, tt.from, got, tt.want)
		}
	}
}

func TestDirectory(t *testing.T) {
	dir := testDir()
	if g, ok := dir.GroupByAcronym("TEAS"); !ok || g.Parent != "rtg" {
		t.Errorf("GroupByAcronym(TEAS) = %+v, %v", g, ok)
	}
	if _, ok := dir.GroupByAcronym("nope"); ok {
		t.Error("unknown group found")
	}
	if got := dir.RolesOf("teas", RoleChair); len(got) != 2 || got[0].Person != "Maria Lindqvist" {
		t.Errorf("RolesOf(teas, chair) = %+v", got)
	}
	if got := dir.RolesOf("teas", ""); len(got) != 4 {
		t.Errorf("RolesOf(teas, \"\") = %d roles", len(got))
	}
	if !dir.HasRole("Coord@example.org", RoleLiaisonCoordinator, "") || !dir.HasRole("coord@example.org", RoleLiaisonCoordinator, "iab") ||
		dir.HasRole("coord@example.org", RoleLiaisonCoordinator, "ietf") || dir.HasRole("", RoleChair, "") {
		t.Error("HasRole")
	}
	if got := dir.RolesOfPerson("ad-two@example.org"); len(got) != 2 {
		t.Errorf("RolesOfPerson = %+v", got)
	}
	var zero Directory
	if _, ok := zero.GroupByAcronym("teas"); ok || zero.HasRole("a@b", "chair", "") || len(zero.RolesOf("teas", "")) != 0 {
		t.Error("zero Directory is not empty")
	}
	// Duplicate roles are dropped.
	d := NewDirectory(nil, []Role{{Name: "chair", Group: "x", Email: "a@b.c"}, {Name: "CHAIR", Group: "X", Email: "A@b.c"}})
	if len(d.RolesOf("x", "chair")) != 1 {
		t.Error("duplicate role kept")
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct {
		g    Group
		want string
	}{
		{Group{Acronym: "teas", Type: TypeWG}, "teas"},
		{Group{Acronym: "TEAS", Type: TypeWG}, "teas"},
		{Group{Acronym: "rtg", Type: TypeArea}, "RTG"},
		{Group{Acronym: "ietf", Type: TypeIETF}, "IETF"},
		{Group{Acronym: "iab", Type: TypeIETF}, "IAB"},
		{Group{Acronym: "itu-t-sg-15", Type: TypeSDO}, "ITU-T-SG-15"},
		{Group{Acronym: "cfrg", Type: TypeRG}, "CFRG"},
		{Group{Acronym: "Mixed", Type: ""}, "Mixed"},
		{Group{Name: "Some Body"}, "Some Body"},
	}
	for _, tt := range tests {
		if got := DisplayAcronym(tt.g); got != tt.want {
			t.Errorf("DisplayAcronym(%+v) = %q, want %q", tt.g, got, tt.want)
		}
	}
	gs := []Group{{Acronym: "ccamp", Type: TypeWG}, {Acronym: "itu-t-sg-15", Type: TypeSDO}}
	if got := DisplayGroups(gs); got != "ccamp, ITU-T-SG-15" {
		t.Errorf("DisplayGroups = %q", got)
	}
	if got := DisplayGroups(nil); got != "" {
		t.Errorf("DisplayGroups(nil) = %q", got)
	}
	if got := testDir().Display([]string{"teas", "itu-t-sg-15", "unknown-body"}); got != "teas, ITU-T-SG-15, unknown-body" {
		t.Errorf("Directory.Display = %q", got)
	}
}

func TestCannotSpeakFor(t *testing.T) {
	dir := testDir()
	tests := []struct {
		email string
		from  []string
		want  []string
	}{
		{"maria@example.net", []string{"teas"}, nil},
		{"maria@example.net", []string{"teas", "pce"}, []string{"pce"}},
		{"maria@example.net", []string{"lamps", "pce"}, []string{"lamps", "pce"}},
		{"ad-one@example.org", []string{"teas", "pce"}, nil}, // the RTG AD speaks for both RTG WGs
		{"", []string{"teas"}, []string{"teas"}},
		{"nobody@example.org", []string{"teas", "TEAS"}, []string{"teas"}},
		{"admin@example.org", []string{"lamps"}, nil},
	}
	for _, tt := range tests {
		got := CannotSpeakFor(dir, tt.email, tt.from, []string{"admin@example.org"})
		if !slices.Equal(got, tt.want) {
			t.Errorf("CannotSpeakFor(%s, %v) = %v, want %v", tt.email, tt.from, got, tt.want)
		}
		if ok := CanSubmit(dir, tt.email, tt.from, []string{"admin@example.org"}); ok != (tt.want == nil) {
			t.Errorf("CanSubmit(%s, %v) = %v", tt.email, tt.from, ok)
		}
	}
}

func TestAwaitingApproval(t *testing.T) {
	dir := testDir()
	tests := []struct {
		from       []string
		approvedBy []string
		want       []string
	}{
		{[]string{"teas"}, nil, []string{"teas"}},
		{[]string{"teas"}, []string{"ad-two@example.org"}, nil},
		// teas (RTG) and lamps (SEC): a security AD alone is not enough.
		{[]string{"teas", "lamps"}, []string{"sec-ad@example.org"}, []string{"teas"}},
		{[]string{"teas", "lamps"}, []string{"ad-one@example.org"}, []string{"lamps"}},
		{[]string{"teas", "lamps"}, []string{"ad-one@example.org", "sec-ad@example.org"}, nil},
		// The RTG AD approves for both RTG WGs with one approval.
		{[]string{"teas", "pce"}, []string{"AD-Two@example.org"}, nil},
		// Someone who is no approver covers nothing.
		{[]string{"teas"}, []string{"maria@example.net"}, []string{"teas"}},
	}
	for _, tt := range tests {
		// The fixture's SEC area has no AD: lamps gets one by override.
		overrides := map[string][]string{"lamps": {"sec-ad@example.org"}}
		if got := AwaitingApproval(dir, tt.from, overrides, tt.approvedBy); !slices.Equal(got, tt.want) {
			t.Errorf("AwaitingApproval(%v, %v) = %v, want %v", tt.from, tt.approvedBy, got, tt.want)
		}
	}
}
