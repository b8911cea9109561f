package matrix

import "context"

// Exclusive implements chat.Exclusive: with end-to-end encryption on, one
// process at a time may use the bot's device (mautrix keeps Olm and
// Megolm state in memory between saves).
func (t *Transport) Exclusive() bool { return t.cfg.PickleKey != "" }

// session logs in and, with encryption on, starts the crypto machinery
// (once per process). Only what syncs or sends needs it: Login alone
// (IsModerator, JoinRoom, DirectRoom) never loads the device's keys, so a
// replica that does not hold the session never has a copy of them.
func (t *Transport) session(ctx context.Context) error {
	if err := t.Login(ctx); err != nil {
		return err
	}
	t.loginMu.Lock()
	defer t.loginMu.Unlock()
	return t.initCrypto(ctx)
}
