package commands

// unreached is why the Datatracker was never reached, "" once it was: an
// empty mirror then means nothing was fetched, not that nothing exists.
func (r *Request) unreached() string {
	if r.Env.Unreached == nil {
		return ""
	}
	return r.Env.Unreached(r.Ctx)
}

// replyEmpty answers an empty or not-found result, or says the Datatracker
// has not been reached yet when that is why.
func (r *Request) replyEmpty(format string, args ...any) error {
	if msg := r.unreached(); msg != "" {
		return r.Replyf("%s", msg)
	}
	return r.Replyf(format, args...)
}

// unknownGroup refuses an acronym the mirror does not know, saying when
// that is because the Datatracker has not been reached yet.
func (r *Request) unknownGroup(acronym string) error {
	if msg := r.unreached(); msg != "" {
		return Usagef("%s", msg)
	}
	return Usagef("No group %q is known from the Datatracker.", acronym)
}
