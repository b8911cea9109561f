package commands

import (
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
	return Deniedf("The bot does not know your Datatracker e-mail, so you may read but not %s (%s).", what, how)
}

// requireSubmitter allows chairs, secretaries and ADs of every From group,
// liaison managers and coordinators, and bot admins (4053bis §3.2).
func (r *Request) requireSubmitter(dir rules.Directory, from []string, what string) error {
	if err := r.requireIdentity(what); err != nil {
		return err
	}
	if rules.CanSubmit(dir, r.Event.Sender.Email, from, r.adminEmails()) {
		return nil
	}
	return Deniedf("Only the chairs, secretaries and ADs of %s (or liaison managers and coordinators) may %s its statements (4053bis §3.2); %s holds no such role in the Datatracker.",
		dir.Display(from), what, r.Event.Sender.Email)
}
