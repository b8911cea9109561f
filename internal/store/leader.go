package store

import (
	"context"
	"fmt"
	"time"
)

// LeaderLockKey is the advisory lock the leading replica holds while it
// polls the Datatracker and runs the reminder schedule.
const LeaderLockKey = 0x6c69616c64 // "liald"

// Leadership is a held session-level advisory lock on its own connection.
// It is lost when the connection dies (the replica crashed or PostgreSQL
// restarted); Lost is closed then, and another replica takes over.
type Leadership struct {
	Lost    <-chan struct{}
	release func()
}

// Release gives up the lock (and the connection).
func (l *Leadership) Release() { l.release() }

// TryLead takes the advisory lock key on a dedicated connection if no other
// session holds it; nil, nil when another replica leads. The connection is
// pinged every check interval; when a ping fails the lock is considered
// lost (the server dropped it with the session).
func (s *Store) TryLead(ctx context.Context, key int64, check time.Duration) (*Leadership, error) {
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		conn.Release()
		return nil, fmt.Errorf("leader lock: %w", err)
	}
	if !got {
		conn.Release()
		return nil, nil
	}
	lost := make(chan struct{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(check)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				pctx, cancel := context.WithTimeout(context.Background(), check)
				err := conn.Ping(pctx)
				cancel()
				if err != nil {
					close(lost)
					return
				}
			}
		}
	}()
	released := false
	return &Leadership{Lost: lost, release: func() {
		if released {
			return
		}
		released = true
		close(stop)
		<-done
		select {
		case <-lost:
			// The session is gone; so is the lock. Drop the connection.
			conn.Conn().Close(context.Background())
		default:
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
			cancel()
			if err != nil {
				conn.Conn().Close(context.Background())
			}
		}
		conn.Release()
	}}, nil
}

// Heartbeat records that something (the leader's successful Datatracker
// poll) happened now; LastHeartbeat reads it. Any replica can check the
// leader's health this way.
func (q Q) Heartbeat(ctx context.Context, name string, at time.Time) error {
	return KV{Q: q}.Put(ctx, "heartbeat:"+name, at.UTC().Format(time.RFC3339Nano))
}

// LastHeartbeat is the time of the last Heartbeat(name); zero if none.
func (q Q) LastHeartbeat(ctx context.Context, name string) (time.Time, error) {
	v, ok, err := KV{Q: q}.Get(ctx, "heartbeat:"+name)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, v)
}
