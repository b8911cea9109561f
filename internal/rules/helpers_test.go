package rules

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// citeRE is the shape every user-facing message ends with.
var citeRE = regexp.MustCompile(`\((?:4053bis §[0-9.]+(?:, §[0-9.]+)*(?: item \d+)?(?:; chairs' FAQ)?)\)\.$`)

// checkCited fails when a message does not end with its citation.
func checkCited(t *testing.T, msg string) {
	t.Helper()
	if !citeRE.MatchString(msg) {
		t.Errorf("message does not end with a 4053bis citation: %q", msg)
	}
}

func checkProblems(t *testing.T, ps []Problem) {
	t.Helper()
	for _, p := range ps {
		checkCited(t, p.Message)
		if p.Section == "" || !strings.Contains(p.Message, "("+p.Section+").") {
			t.Errorf("problem section %q does not match message %q", p.Section, p.Message)
		}
	}
}

// testDir is a small slice of the Datatracker's groups and roles.
func testDir() Directory {
	groups := []Group{
		{Acronym: "teas", Type: TypeWG, Parent: "rtg", Name: "Traffic Engineering Architecture and Signaling"},
		{Acronym: "pce", Type: TypeWG, Parent: "rtg", Name: "Path Computation Element"},
		{Acronym: "rtg", Type: TypeArea, Parent: "iesg", Name: "Routing Area"},
		{Acronym: "lamps", Type: TypeWG, Parent: "sec", Name: "Limited Additional Mechanisms for PKIX and SMIME"},
		{Acronym: "sec", Type: TypeArea, Parent: "iesg", Name: "Security Area"},
		{Acronym: "orphan", Type: TypeWG, Name: "A WG without area"},
		{Acronym: "oldwg", Type: TypeWG, Parent: "rtg", Name: "A concluded WG", State: "conclude"},
		{Acronym: "sleepy", Type: TypeWG, Parent: "rtg", Name: "A dormant WG", State: "dormant"},
		{Acronym: "newwg", Type: TypeWG, Parent: "rtg", Name: "A proposed WG", State: "proposed"},
		{Acronym: "ietf", Type: TypeIETF, Name: "IETF"},
		{Acronym: "iesg", Type: TypeIETF, Parent: "ietf", Name: "Internet Engineering Steering Group"},
		{Acronym: "iab", Type: TypeIETF, Parent: "ietf", Name: "Internet Architecture Board"},
		{Acronym: "cfrg", Type: TypeRG, Parent: "irtf", Name: "Crypto Forum"},
		{Acronym: "irtf", Type: TypeIRTF, Name: "Internet Research Task Force"},
		{Acronym: "secdir", Type: "dir", Parent: "sec", Name: "Security Directorate"},
		{Acronym: "itu-t-sg-15", Type: TypeSDO, Parent: "itu-t", Name: "ITU-T Study Group 15"},
		{Acronym: "3gpp", Type: TypeSDO, Name: "3GPP"},
	}
	roles := []Role{
		{Name: RoleChair, Group: "teas", Email: "maria@example.net", Person: "Maria Lindqvist"},
		{Name: RoleChair, Group: "teas", Email: "oscar@example.com", Person: "Oscar Ramos"},
		{Name: RoleSecretary, Group: "teas", Email: "sam@example.org", Person: "Sam Secretary"},
		{Name: RoleAD, Group: "teas", Email: "ad-one@example.org", Person: "Ada One"},
		{Name: RoleAD, Group: "rtg", Email: "AD-One@example.org", Person: "Ada One"},
		{Name: RoleAD, Group: "rtg", Email: "ad-two@example.org", Person: "Bo Two"},
		{Name: RoleChair, Group: "pce", Email: "pat@example.org", Person: "Pat Chair"},
		{Name: RoleAD, Group: "pce", Email: "ad-two@example.org", Person: "Bo Two"},
		{Name: RoleChair, Group: "lamps", Email: "lc@example.org", Person: "Lamps Chair"},
		{Name: RoleChair, Group: "ietf", Email: "ietf-chair@example.org", Person: "IETF Chair"},
		{Name: RoleChair, Group: "iesg", Email: "ietf-chair@example.org", Person: "IETF Chair"},
		{Name: RoleChair, Group: "iab", Email: "iab-chair@example.org", Person: "IAB Chair"},
		{Name: RoleChair, Group: "cfrg", Email: "rgchair@example.org", Person: "RG Chair"},
		{Name: RoleLiaisonManager, Group: "itu-t-sg-15", Email: "lm@example.org", Person: "Liaison Manager"},
		{Name: RoleLiaisonCoordinator, Group: "iab", Email: "coord@example.org", Person: "Coordinator"},
	}
	return NewDirectory(groups, roles)
}

// TestNoIO keeps the package free of I/O: only these standard packages may
// be imported by non-test files.
func TestNoIO(t *testing.T) {
	allowed := map[string]bool{
		"errors": true, "fmt": true, "net/mail": true, "unicode": true, "path": true, "regexp": true, "slices": true,
		"strconv": true, "strings": true, "time": true, "unicode/utf8": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[p] {
				t.Errorf("%s imports %q; package rules must stay free of I/O", f, p)
			}
		}
	}
}
