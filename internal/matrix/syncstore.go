package matrix

import (
	"context"
	"fmt"
	"sync"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// syncStore is the mautrix SyncStore of the transport.
//
// Durability: mautrix calls SaveNextBatch(N) BEFORE it hands batch N to
// the syncer (client.go, SyncWithContext), so a store that persisted there
// would lose batch N when the process dies while handling it. This store
// only remembers N in memory (pending); the syncer calls commit once every
// event of batch N has been handed to the sink, and only then is N written
// to the KV. LoadNextBatch returns the committed token, so after a crash or
// a sink error the sync restarts at the start of the unfinished batch;
// events handed over twice are deduplicated by the sink (event IDs).
//
// The filter ID is deliberately kept in memory only (NOTES §1.2, the
// filter-ID trap): a persisted ID would keep an old filter after FilterJSON
// changes; uploading the filter once per start is cheap.
type syncStore struct {
	kv  chat.KV
	key string // KV key of the committed token

	mu        sync.Mutex
	filterID  string
	pending   string
	committed string
	loaded    bool
}

var _ mautrix.SyncStore = (*syncStore)(nil)

func newSyncStore(kv chat.KV, key string) *syncStore {
	return &syncStore{kv: kv, key: key}
}

func (s *syncStore) SaveFilterID(_ context.Context, _ id.UserID, filterID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filterID = filterID
	return nil
}

func (s *syncStore) LoadFilterID(_ context.Context, _ id.UserID) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filterID, nil
}

// SaveNextBatch only remembers the token: the batch it follows has not
// been handled yet.
func (s *syncStore) SaveNextBatch(_ context.Context, _ id.UserID, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = token
	return nil
}

// LoadNextBatch returns the last committed token ("" before the first
// sync ever). A pending, uncommitted token is dropped: the batch it
// follows is fetched again.
func (s *syncStore) LoadNextBatch(ctx context.Context, _ id.UserID) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = ""
	if !s.loaded {
		v, _, err := s.kv.Get(ctx, s.key)
		if err != nil {
			return "", fmt.Errorf("matrix: load sync token: %w", err)
		}
		s.committed, s.loaded = v, true
	}
	return s.committed, nil
}

// commit persists the pending token: call it once the batch it follows
// has been handed to the sink completely.
func (s *syncStore) commit(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == "" || s.pending == s.committed {
		return nil
	}
	if err := s.kv.Put(ctx, s.key, s.pending); err != nil {
		return fmt.Errorf("matrix: save sync token: %w", err)
	}
	s.committed, s.loaded = s.pending, true
	return nil
}

// hasToken reports whether a token was ever committed.
func (s *syncStore) hasToken(ctx context.Context) (bool, error) {
	s.mu.Lock()
	loaded, committed := s.loaded, s.committed
	s.mu.Unlock()
	if loaded {
		return committed != "", nil
	}
	v, _, err := s.kv.Get(ctx, s.key)
	return v != "", err
}
