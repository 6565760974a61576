package zkwait

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// TestWaitNamesTheAddress: with nothing listening, the wait ends with the
// context and its error names the servers and the cause.
func TestWaitNamesTheAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // now nothing listens there
	cause := errors.New("test deadline")
	ctx, cancel := context.WithTimeoutCause(context.Background(), 1500*time.Millisecond, cause)
	defer cancel()
	conn, err := Wait(ctx, []string{addr}, hclog.NewNullLogger())
	if err == nil {
		conn.Close()
		t.Fatal("want an error, have a session")
	}
	if !errors.Is(err, cause) {
		t.Errorf("want the context's cause in %q", err)
	}
	if !strings.Contains(err.Error(), "zookeeper at "+addr+" has no session") {
		t.Errorf("want the address named in %q", err)
	}
}

// TestWaitUnresolvable: a host name that does not resolve is retried, not fatal.
func TestWaitUnresolvable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := Wait(ctx, []string{"zookeeper.invalid:2181"}, hclog.NewNullLogger())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline, have %v", err)
	}
}

// TestWaitSilentServer: a server that accepts the connection and never
// answers the session request is given up on after the handshake timeout
// and tried again, rather than waited for over a minute.
func TestWaitSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 64)
	go func() { // ends when the listener closes
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = Wait(ctx, []string{ln.Addr().String()}, hclog.NewNullLogger())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline, have %v", err)
	}
	// The client gave up on the silent connection and tried again.
	ln.Close()
	attempts := 0
	for c := range accepted {
		attempts++
		c.Close()
	}
	// 250 ms, 500 ms, 1 s, 2 s for the first four handshakes.
	if attempts < 4 {
		t.Errorf("want at least 4 connection attempts within 5s, have %d", attempts)
	}
}
