package render

import (
	"slices"
	"strings"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Identities maps Datatracker e-mail addresses back to chat users, so
// chairs and liaison managers can be mentioned: on Matrix through the
// config's identity table (matrix.identities: Matrix user → e-mail); on
// Zulip at the IETF the account e-mail is the Datatracker e-mail. A person
// without a known chat identity is named in text instead.
type Identities func(email string) (chat.User, bool)

// IdentitiesOf builds the mapping of a platform from the config.
func IdentitiesOf(cfg *config.Config, platform string) Identities {
	switch platform {
	case "matrix":
		byEmail := map[string]string{}
		if cfg != nil {
			for _, id := range cfg.Matrix.Identities {
				byEmail[strings.ToLower(strings.TrimSpace(id.Email))] = id.User
			}
		}
		return func(email string) (chat.User, bool) {
			u, ok := byEmail[strings.ToLower(strings.TrimSpace(email))]
			return chat.User{ID: u, Email: email}, ok
		}
	case "zulip", "console":
		return func(email string) (chat.User, bool) {
			email = strings.TrimSpace(email)
			return chat.User{ID: email, Email: email}, strings.Contains(email, "@")
		}
	}
	return func(string) (chat.User, bool) { return chat.User{}, false }
}

// Person renders a role holder: a mention when their chat identity is
// known (silent when notify is false), otherwise their name and e-mail as
// text.
func (ids Identities) Person(r store.Role, notify bool) chat.Span {
	if ids != nil {
		if u, ok := ids(r.Email); ok {
			u.DisplayName = r.PersonName
			if u.DisplayName == "" {
				u.DisplayName = r.Email
			}
			if notify {
				return chat.M(u)
			}
			return chat.MSilent(u)
		}
	}
	return chat.T(NameAndEmail(r))
}

// Reachable reports whether at least one of rs has a chat identity, so a
// message mentioning them notifies somebody.
func (ids Identities) Reachable(rs []store.Role) bool {
	if ids == nil {
		return false
	}
	return slices.ContainsFunc(rs, func(r store.Role) bool { _, ok := ids(r.Email); return ok })
}

// NameAndEmail is "Name <e-mail>" (or whichever of the two is known).
func NameAndEmail(r store.Role) string {
	switch {
	case r.PersonName != "" && r.Email != "":
		return r.PersonName + " <" + r.Email + ">"
	case r.PersonName != "":
		return r.PersonName
	}
	return r.Email
}

// People renders role holders separated by ", ", each person once.
func (ids Identities) People(rs []store.Role, notify bool) []chat.Span {
	var out []chat.Span
	seen := map[string]bool{}
	for _, r := range rs {
		k := strings.ToLower(r.Email)
		if seen[k] {
			continue
		}
		seen[k] = true
		if len(out) > 0 {
			out = append(out, chat.T(", "))
		}
		out = append(out, ids.Person(r, notify))
	}
	return out
}

// PeopleNames lists role holders' names (or e-mails), each once.
func PeopleNames(rs []store.Role) string {
	var out []string
	for _, r := range rs {
		n := r.PersonName
		if n == "" {
			n = r.Email
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}
