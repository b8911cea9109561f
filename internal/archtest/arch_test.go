// Package archtest checks the dependency directions DEVELOPERS.md states,
// so a wrong import fails the build's tests rather than a review.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/liaisonbot/liaisonbot/"

type pkg struct {
	ImportPath string
	Deps       []string
}

// deps lists every package of the module with all it depends on
// (transitively, not tests).
func deps(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	m := map[string][]string{}
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		m[strings.TrimPrefix(p.ImportPath, module)] = p.Deps
	}
	return m
}

func TestDependencyDirections(t *testing.T) {
	all := deps(t)
	rules := []struct {
		pkg       string
		forbidden []string // prefixes, module-relative or full
		why       string
	}{
		{"internal/rules", []string{module, "net/http", "database/sql", "os/exec", "github.com/jackc", "maunium.net"}, "the process rules do no I/O"},
		{"internal/chat", []string{module + "internal/", module + "commands", module + "bot"}, "the chat interface depends on nothing of ours"},
		{"commands", []string{module + "internal/matrix", module + "internal/zulip", module + "internal/console", "maunium.net", module + "bot"}, "commands see chat only through internal/chat"},
		{"internal/matrix", []string{module + "commands", module + "internal/store", module + "bot"}, "transports never import commands (state goes through chat.KV)"},
		{"internal/zulip", []string{module + "commands", module + "internal/store", module + "bot"}, "transports never import commands"},
		{"internal/console", []string{module + "commands", module + "internal/store", module + "bot"}, "transports never import commands"},
		{"bot", []string{module + "internal/datatracker/dtfake"}, "only the console's -demo (cmd/liaisonbot) serves the fake Datatracker"},
		{"internal/store", []string{module + "commands", module + "bot", module + "internal/matrix", module + "internal/zulip"}, "storage knows no transport"},
	}
	for _, r := range rules {
		ds, ok := all[r.pkg]
		if !ok {
			t.Errorf("package %s not found", r.pkg)
			continue
		}
		for _, d := range ds {
			for _, f := range r.forbidden {
				if d == f || strings.HasPrefix(d, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(d, f+"/") || d == f) {
					t.Errorf("%s depends on %s: %s", r.pkg, d, r.why)
				}
			}
		}
	}
}
