// Package zkwait waits until a ZooKeeper server serves sessions.
//
// It asks first, with the srvr four-letter word (see internal/quorum),
// whether a server serves, and opens a session only once one does. A
// ZooKeeper accepts connections a moment before it serves them, while it
// loads its database: a session asked for then is refused, and the server
// logs "Close of session 0x0" with a "ZooKeeperServer not running" stack
// trace for each attempt. srvr gets "This ZooKeeper instance is not
// currently serving requests" instead, and the server logs nothing above
// INFO, provided it has created its database before it closes the
// connection: each srvr waits a moment on its connection before it is
// sent (quorum.AskAfter).
//
// srvr is always allowed in ZooKeeper 3.4 (the one of Kafka 0.8) and is in
// the default 4lw.commands.whitelist of 3.5 and later. A server that
// refuses it (a remote ZooKeeper of role kafka with a narrower whitelist,
// or ZOOKEEPER_4LW_COMMANDS_WHITELIST without srvr) is waited for with
// sessions alone: the wait works the same, and that server may log those
// stack traces while it starts.
//
// Every retry backs off exponentially (github.com/cenkalti/backoff), and
// every wait ends with its context.
package zkwait

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/go-zookeeper/zk"
	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/quorum"
)

// SessionTimeout is the session timeout the supervisor asks ZooKeeper for.
const SessionTimeout = 10 * time.Second

// askTimeout bounds each srvr exchange.
const askTimeout = 2 * time.Second

// askHold is how long a srvr connection waits before it asks, so that a
// server that is creating its database does not close it meanwhile
// (quorum.AskAfter); it adds as much to the wait for a server that
// serves.
const askHold = 100 * time.Millisecond

// Wait returns a connection to servers once it has a session, asked for
// once a server says it serves (at once where srvr is refused). It gives
// up when ctx ends, with an error naming the servers, the last answer or
// state seen and the context's cause. The caller closes the connection.
func Wait(ctx context.Context, servers []string, log hclog.Logger) (*zk.Conn, error) {
	err := Serving(ctx, servers, log)
	if errors.Is(err, quorum.ErrNotAllowed) {
		log.Info("zookeeper refuses srvr: waiting for a session instead", "error", err)
	} else if err != nil {
		return nil, err
	}
	return session(ctx, servers, log)
}

// Serving asks servers, in turn, with srvr until one says it serves, and
// returns nil then. It returns an error wrapping quorum.ErrNotAllowed as
// soon as a server refuses srvr, and one with the last answer and the
// context's cause when ctx ends first.
func Serving(ctx context.Context, servers []string, log hclog.Logger) error {
	if len(servers) == 0 {
		return errors.New("zookeeper: no server to wait for")
	}
	var last error
	_, err := backoff.Retry(ctx, func() (quorum.Mode, error) {
		for _, s := range servers {
			actx, cancel := context.WithTimeout(ctx, askTimeout)
			mode, err := quorum.AskAfter(actx, s, askHold)
			cancel()
			switch {
			case ended(ctx):
				return "", backoff.Permanent(cause(ctx))
			case errors.Is(err, quorum.ErrNotAllowed):
				return "", backoff.Permanent(fmt.Errorf("zookeeper at %s: %w", s, err))
			case err != nil:
				last = err
			case serves(mode):
				return mode, nil
			default:
				last = fmt.Errorf("%s is %s", s, mode)
			}
			log.Trace("zookeeper not serving yet", "answer", last)
		}
		return "", last
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: 20 * time.Millisecond, Multiplier: 2, MaxInterval: 500 * time.Millisecond}),
		backoff.WithMaxElapsedTime(0))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, quorum.ErrNotAllowed):
		return err
	}
	return fmt.Errorf("zookeeper at %s does not serve (last: %v): %w", strings.Join(servers, ","), last, cause(ctx))
}

// ended reports whether ctx has ended or its deadline has passed: a dial
// bounded by the deadline can fail with its own timeout before the
// context's timer has fired, and that failure is the deadline's, not the
// server's answer.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// cause is why ctx ended, also when only its deadline has passed.
func cause(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return context.DeadlineExceeded
}

// serves reports whether a server in mode m takes sessions: not one
// without a quorum, nor one that takes read-only sessions only, which the
// client does not ask for.
func serves(m quorum.Mode) bool { return m != quorum.NotServing && m != quorum.ReadOnly }

// session connects to servers and returns the connection once it has a
// session, or an error once ctx ends.
func session(ctx context.Context, servers []string, log hclog.Logger) (*zk.Conn, error) {
	where := strings.Join(servers, ",")
	conn, events, err := zk.Connect(servers, SessionTimeout, zk.WithLogger(zkLogger{log}),
		zk.WithLogInfo(false), zk.WithDialer(newDialer().dial), zk.WithHostProvider(&hostList{}))
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
	mu         sync.Mutex
	handshakes *backoff.ExponentialBackOff // the bound of each next connection's
}

func newDialer() *dialer {
	return &dialer{handshakes: &backoff.ExponentialBackOff{InitialInterval: firstHandshake, Multiplier: 2, MaxInterval: maxHandshake}}
}

// dial keeps dialing with a short backoff for the whole timeout the client
// gives it, rather than failing at once into the client's own retry.
func (d *dialer) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	d.mu.Lock()
	handshake := d.handshakes.NextBackOff()
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var nd net.Dialer
	var last error
	conn, err := backoff.Retry(ctx, func() (net.Conn, error) {
		conn, err := nd.DialContext(ctx, network, address)
		if err != nil && ctx.Err() == nil {
			last = err
		}
		return conn, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: 20 * time.Millisecond, Multiplier: 2, MaxInterval: 200 * time.Millisecond}),
		backoff.WithMaxElapsedTime(0))
	if err != nil {
		if last != nil {
			return nil, last
		}
		return nil, err
	}
	return &handshakeConn{Conn: conn, timeout: handshake}, nil
}

// handshakeConn caps the client's first read deadline, the one of the
// session handshake. The client allows ten times its receive timeout
// (over a minute): a ZooKeeper that accepts a connection while it is still
// loading its database, then drops the request without closing the
// socket, would hold a start for that long.
type handshakeConn struct {
	net.Conn
	timeout  time.Duration
	once     sync.Once
	answered atomic.Bool // the server sent something
}

func (c *handshakeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.answered.Store(true)
	}
	return n, err
}

func (c *handshakeConn) SetReadDeadline(t time.Time) error {
	c.once.Do(func() {
		if limit := time.Now().Add(c.timeout); !t.IsZero() && t.After(limit) {
			t = limit
		}
	})
	return c.Conn.SetReadDeadline(t)
}

// lingerClose bounds how long Close waits for the server to close first.
const lingerClose = 200 * time.Millisecond

// Close lets a server that answered close the connection first, for a
// moment, before closing it. The client closes it as soon as the answer to
// its close of the session arrives; ZooKeeper 3.4 that reads the end of
// the stream before it closes the connection itself logs "caught end of
// stream exception" with a stack trace, at every close of a session. A
// server that never answered is not waited for.
func (c *handshakeConn) Close() error {
	if c.answered.Load() && c.Conn.SetReadDeadline(time.Now().Add(lingerClose)) == nil {
		_, _ = io.Copy(io.Discard, c.Conn)
	}
	return c.Conn.Close()
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
	pauses  *backoff.ExponentialBackOff
}

func (h *hostList) Init(servers []string) error {
	h.servers = servers
	h.pauses = &backoff.ExponentialBackOff{InitialInterval: 20 * time.Millisecond, Multiplier: 2, MaxInterval: 500 * time.Millisecond}
	return nil
}

func (h *hostList) Len() int { return len(h.servers) }

func (h *hostList) Next() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed >= len(h.servers) { // a whole round without a session
		time.Sleep(h.pauses.NextBackOff()) // at most 500 ms; Close waits for this loop
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
	h.pauses.Reset()
}

// zkLogger sends the client's own messages to debug level.
type zkLogger struct{ log hclog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}

// Answers asks ZooKeeper, through the session of conn, whether it
// answers: the session must be established (the client pings it and
// reports a disconnection or an expiry in its state) and a read of the
// root node must be answered before ctx ends. A read is not logged by
// ZooKeeper, as a four-letter word is. A read that ctx gave up on ends
// with the connection: when the client drops it for want of an answer,
// or when conn is closed.
func Answers(ctx context.Context, conn *zk.Conn) error {
	if state := conn.State(); state != zk.StateHasSession {
		return fmt.Errorf("no session: %s", state)
	}
	answer := make(chan error, 1)
	go func() {
		_, _, err := conn.Exists("/")
		answer <- err
	}()
	select {
	case err := <-answer:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
