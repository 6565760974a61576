// Package zkwait waits until a ZooKeeper server serves sessions.
package zkwait

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/hashicorp/go-hclog"
)

// SessionTimeout is the session timeout the supervisor asks ZooKeeper for.
const SessionTimeout = 10 * time.Second

// Wait connects to servers and returns the connection once it has a
// session. It gives up when ctx ends, with an error naming the servers, the
// last state seen and the context's cause. The caller closes the connection.
func Wait(ctx context.Context, servers []string, log hclog.Logger) (*zk.Conn, error) {
	if len(servers) == 0 {
		return nil, errors.New("zookeeper: no server to wait for")
	}
	where := strings.Join(servers, ",")
	backoff := newBackoff()
	last := "not tried"
	for {
		conn, events, err := zk.Connect(servers, SessionTimeout,
			zk.WithLogger(zkLogger{log}), zk.WithLogInfo(false), zk.WithDialer(dialUntil))
		if err != nil { // the host names do not resolve (yet)
			last = err.Error()
			if err := backoff.wait(ctx); err != nil {
				return nil, fmt.Errorf("zookeeper at %s has no session (last: %s): %w", where, last, err)
			}
			continue
		}
		for {
			select {
			case ev := <-events:
				if ev.State == zk.StateHasSession {
					return conn, nil
				}
				last = ev.State.String()
				log.Trace("zookeeper state", "state", ev.State)
			case <-ctx.Done():
				conn.Close()
				return nil, fmt.Errorf("zookeeper at %s has no session (last: %s): %w", where, last, context.Cause(ctx))
			}
		}
	}
}

// dialUntil keeps dialing with a short backoff for the whole timeout the
// client gives it. The client itself sleeps a full second after failing
// through its server list, which would add up to a second to every start.
func dialUntil(network, address string, timeout time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(timeout)
	pause := 20 * time.Millisecond
	for {
		conn, err := net.DialTimeout(network, address, time.Until(deadline))
		if err == nil || time.Now().Add(pause).After(deadline) {
			return conn, err
		}
		time.Sleep(pause) // bounded by the deadline the client set
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// backoff doubles a pause from 50 ms up to 2 s.
type backoff struct{ next time.Duration }

func newBackoff() *backoff { return &backoff{next: 50 * time.Millisecond} }

func (b *backoff) wait(ctx context.Context) error {
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(2*b.next, 2*time.Second)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// zkLogger sends the client's own messages to debug level.
type zkLogger struct{ log hclog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}
