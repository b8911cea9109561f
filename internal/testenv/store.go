package testenv

import (
	"context"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Store opens liaisonbot's store on a fresh database (see Postgres),
// migrated to the latest schema, and closes it when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	return StoreOn(t, Postgres(t))
}

// StoreOn opens the store on dsn (several stores on one database stand
// for several replicas), migrated, and closes it when the test ends.
func StoreOn(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
