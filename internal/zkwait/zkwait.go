// Package zkwait waits until a ZooKeeper server serves sessions.
package zkwait

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
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
	conn, events, err := zk.Connect(servers, SessionTimeout, zk.WithLogger(zkLogger{log}),
		zk.WithLogInfo(false), zk.WithDialer(dialUntil), zk.WithHostProvider(&hostList{}))
	if err != nil {
		return nil, fmt.Errorf("zookeeper at %s: %w", where, err)
	}
	last := "not tried"
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

// hostList hands the client its servers in turn, without resolving them
// first (the dialer does, so a name that does not resolve yet is retried),
// and pauses between rounds with a short backoff. The client's own provider
// sleeps a whole second after each failed round: a server that accepts
// connections a moment before it serves sessions would cost every start a
// second.
type hostList struct {
	mu      sync.Mutex
	servers []string
	next    int
	failed  int // servers tried since the last session
	pause   time.Duration
}

func (h *hostList) Init(servers []string) error {
	h.servers = servers
	h.pause = 20 * time.Millisecond
	return nil
}

func (h *hostList) Len() int { return len(h.servers) }

func (h *hostList) Next() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed >= len(h.servers) { // a whole round without a session
		time.Sleep(h.pause) // at most 500 ms; Close waits for this loop
		h.pause = min(2*h.pause, 500*time.Millisecond)
		h.failed = 0
	}
	server := h.servers[h.next%len(h.servers)]
	h.next++
	h.failed++
	return server, false
}

func (h *hostList) Connected() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = 0
	h.pause = 20 * time.Millisecond
}

// zkLogger sends the client's own messages to debug level.
type zkLogger struct{ log hclog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}
