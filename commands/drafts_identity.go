package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// Drafts: who the sender is and what they may do (4053bis §4).

// ---- identity and permission ----

func (r *Request) adminEmails() []string {
	if r.IsAdmin() && r.Event.Sender.Email != "" {
		return []string{r.Event.Sender.Email}
	}
	return nil
}

// requireIdentity refuses users whose chat account maps to no Datatracker
// e-mail: they may read, never draft, submit or approve.
func (r *Request) requireIdentity(what string) error {
	if r.Event.Sender.Email != "" {
		return nil
	}
	how := "add your chat user and Datatracker e-mail to matrix.identities in the bot's config"
	if r.Env.Platform == "zulip" {
		how = "your Zulip account has no e-mail the bot can see"
	}
	if r.Env.Platform == "console" {
		how = "speak as someone the Datatracker knows with :user <e-mail>; :users lists the demo's people"
	}
	return Deniedf("The bot does not know your Datatracker e-mail, so you may read but not %s (%s).", what, how)
}

// requireSubmitter allows chairs, secretaries and ADs of every From group,
// liaison managers and coordinators, and bot admins (4053bis §3.2).
func (r *Request) requireSubmitter(dir rules.Directory, from []string, what string) error {
	if err := r.requireIdentity(what); err != nil {
		return err
	}
	missing := rules.CannotSpeakFor(dir, r.Event.Sender.Email, from, r.adminEmails())
	if len(missing) == 0 && len(from) > 0 {
		return nil
	}
	r.Result = "denied"
	msg := fmt.Sprintf("Only the chairs, secretaries and ADs of a group (or liaison managers and coordinators) may %s its statements (4053bis §3.2); %s is not a chair, secretary or AD of %s in the Datatracker.",
		what, r.Event.Sender.Email, dir.Display(missing))
	if held := heldRoles(dir, r.Event.Sender.Email, from); held != "" {
		msg += fmt.Sprintf(" (You are %s: drop the other groups from from=, or ask their chairs.)", held)
	}
	return Deniedf("%s", msg)
}

// heldRoles describes the roles email holds in the groups of from ("chair
// of teas"), for a refusal that must not deny them.
func heldRoles(dir rules.Directory, email string, from []string) string {
	var held []string
	for _, role := range dir.RolesOfPerson(email) {
		if slices.ContainsFunc(from, func(a string) bool { return strings.EqualFold(a, role.Group) }) {
			name := map[string]string{rules.RoleSecretary: "secretary", rules.RoleAD: "AD"}[role.Name]
			if name == "" {
				name = role.Name
			}
			held = append(held, name+" of "+role.Group)
		}
	}
	return strings.Join(held, ", ")
}
