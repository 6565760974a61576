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
		zk.WithLogInfo(false), zk.WithDialer((&dialer{handshake: firstHandshake}).dial), zk.WithHostProvider(&hostList{}))
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
			// The client's Close waits up to a second for a server to answer
			// the close, which one without a session never does: giving up
			// (a child that died, a stop) must not wait for it. The close
			// ends by itself, within that second.
			go conn.Close()
			return nil, fmt.Errorf("zookeeper at %s has no session (last: %s): %w", where, last, context.Cause(ctx))
		}
	}
}

// Bounds of the wait for the answer to a session request: short at first,
// doubling with each connection.
const (
	firstHandshake = 250 * time.Millisecond
	maxHandshake   = 4 * time.Second
)

// dialer connects the client and bounds each session handshake.
type dialer struct {
	mu        sync.Mutex
	handshake time.Duration // for the next connection
}

// dial keeps dialing with a short backoff for the whole timeout the client
// gives it, rather than failing at once into the client's own retry.
func (d *dialer) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	d.mu.Lock()
	handshake := d.handshake
	d.handshake = min(2*d.handshake, maxHandshake)
	d.mu.Unlock()
	deadline := time.Now().Add(timeout)
	pause := 20 * time.Millisecond
	for {
		conn, err := net.DialTimeout(network, address, time.Until(deadline))
		if err == nil {
			return &handshakeConn{Conn: conn, timeout: handshake}, nil
		}
		if time.Now().Add(pause).After(deadline) {
			return nil, err
		}
		time.Sleep(pause) // bounded by the deadline the client set
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// handshakeConn caps the client's first read deadline, the one of the
// session handshake. The client allows ten times its receive timeout
// (over a minute): a ZooKeeper that accepts a connection while it is still
// loading its database, then drops the request without closing the
// socket, would hold a start for that long.
type handshakeConn struct {
	net.Conn
	timeout time.Duration
	once    sync.Once
}

func (c *handshakeConn) SetReadDeadline(t time.Time) error {
	c.once.Do(func() {
		if limit := time.Now().Add(c.timeout); !t.IsZero() && t.After(limit) {
			t = limit
		}
	})
	return c.Conn.SetReadDeadline(t)
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
