package store

import "context"

type txMarkKey struct{}

// MarkTx returns ctx marked as belonging to an open transaction. The
// command path runs its transactions under such a context, so code (and
// tests) can tell a network call made while one is open: that call would
// hold row locks and a pooled connection for as long as the network takes.
func MarkTx(ctx context.Context) context.Context {
	return context.WithValue(ctx, txMarkKey{}, true)
}

// InTx reports whether ctx was marked by MarkTx.
func InTx(ctx context.Context) bool {
	v, _ := ctx.Value(txMarkKey{}).(bool)
	return v
}
