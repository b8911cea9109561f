package matrix

import (
	"sync"

	"maunium.net/go/mautrix/id"
)

// memberCache knows the joined members of each room and their display
// names: fed by the state the sync delivers (complete for the first sync
// and for rooms just joined) and by /joined_members fetches for rooms
// joined before a restart.
type memberCache struct {
	mu    sync.Mutex
	rooms map[id.RoomID]*roomMembers
}

type roomMembers struct {
	known    bool // the joined set is complete
	fetching bool
	joined   map[id.UserID]string // user -> display name
}

func newMemberCache() *memberCache {
	return &memberCache{rooms: map[id.RoomID]*roomMembers{}}
}

func (c *memberCache) room(room id.RoomID) *roomMembers {
	r := c.rooms[room]
	if r == nil {
		r = &roomMembers{joined: map[id.UserID]string{}}
		c.rooms[room] = r
	}
	return r
}

// reset forgets a room's members; complete marks what follows (the full
// state of a fresh sync) as the whole set.
func (c *memberCache) reset(room id.RoomID, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.room(room)
	r.joined = map[id.UserID]string{}
	r.known = complete
}

func (c *memberCache) forget(room id.RoomID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.rooms, room)
}

// apply records a membership change.
func (c *memberCache) apply(room id.RoomID, user id.UserID, joined bool, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.room(room)
	if joined {
		r.joined[user] = name
	} else {
		delete(r.joined, user)
	}
}

// startFetch reports whether the caller should fetch the room's members
// (unknown and no fetch running); it marks a fetch as running.
func (c *memberCache) startFetch(room id.RoomID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.room(room)
	if r.known || r.fetching {
		return false
	}
	r.fetching = true
	return true
}

// fetchDone stores a fetched member list (nil: the fetch failed).
func (c *memberCache) fetchDone(room id.RoomID, joined map[id.UserID]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.room(room)
	r.fetching = false
	if joined != nil {
		r.joined = joined
		r.known = true
	}
}

// name returns a member's display name ("" when unknown).
func (c *memberCache) name(room id.RoomID, user id.UserID) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.rooms[room]; r != nil {
		return r.joined[user]
	}
	return ""
}

// count returns the number of joined members, ok=false when unknown.
func (c *memberCache) count(room id.RoomID) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.rooms[room]
	if r == nil || !r.known {
		return 0, false
	}
	return len(r.joined), true
}
