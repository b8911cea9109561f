package zulipfake

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liaisonbot/liaisonbot/tools/zulipcontract/contract"
)

// The checked-in contract is what tools/zulipcontract makes of Zulip's
// official description. Where the official file is at hand (CI keeps it
// beside the checkout; LIAISONBOT_ZULIP_OPENAPI names another), regenerate
// in memory and fail on any difference; elsewhere there is nothing to
// compare with.
func TestContractMatchesOfficial(t *testing.T) {
	spec, err := contract.FindOfficial()
	if err != nil {
		t.Fatal(err)
	}
	if spec == "" {
		t.Skipf("no official Zulip OpenAPI file (shared/zulip/zulip-openapi.yaml in a parent directory, or $%s): the checked-in contract is not compared", contract.SpecEnv)
	}
	fresh, err := contract.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(contractJSON, fresh); d != "" {
		t.Fatalf("testdata/zulip-contract.json differs from what %s gives (%s); regenerate with: %s", spec, d, contract.Regenerate)
	}
}

// firstDiff names the first line where a and b differ, or "".
func firstDiff(a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: checked in %q, official gives %q", i+1, strings.TrimSpace(x), strings.TrimSpace(y))
		}
	}
	return "same lines, different bytes"
}

// A changed official description fails the comparison, with the line and
// the way to regenerate: here the official file with send-message's "to"
// no longer required.
func TestContractDriftIsReported(t *testing.T) {
	spec, err := contract.FindOfficial()
	if err != nil {
		t.Fatal(err)
	}
	if spec == "" {
		t.Skip("no official Zulip OpenAPI file to change")
	}
	orig, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	// POST /messages lists "- type", "- to", "- content" as required, then
	// its encoding (scheduled messages require one more field).
	changed := bytes.Replace(orig, []byte("                - to\n                - content\n            encoding:"), []byte("                - content\n            encoding:"), 1)
	if bytes.Equal(changed, orig) {
		t.Fatal("the official file no longer has the required list this test edits")
	}
	edited := filepath.Join(t.TempDir(), "zulip-openapi.yaml")
	if err := os.WriteFile(edited, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh, err := contract.Generate(edited)
	if err != nil {
		t.Fatal(err)
	}
	d := firstDiff(contractJSON, fresh)
	if d == "" {
		t.Fatal("a contract from the edited file equals the checked-in one")
	}
	t.Logf("caught: %s", d)
}
