package zkwait

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/quorum"
)

// Answers of a real ZooKeeper 3.8 to srvr.
const (
	notServing = "This ZooKeeper instance is not currently serving requests\n"
	refused    = "srvr is not executed because it is not in the whitelist.\n"
	standalone = "Zookeeper version: 3.8.4-9316c2a7, built on 2024-02-12 22:16 UTC\nLatency min/avg/max: 0/0.0/0\n" +
		"Received: 1\nSent: 0\nConnections: 1\nOutstanding: 0\nZxid: 0x0\nMode: standalone\nNode count: 5\n"
	readOnly = "Zookeeper version: 3.8.4-9316c2a7, built on 2024-02-12 22:16 UTC\nZxid: 0x0\nMode: read-only\nNode count: 5\n"
)

// fakeServer answers srvr with each of answers in turn, then with the
// last one again. Any other request (a session's) it holds open, unanswered.
type fakeServer struct {
	mu      sync.Mutex
	answers []string
	asked   int
	held    []net.Conn
}

func (f *fakeServer) answer() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.answers[min(f.asked, len(f.answers)-1)]
	f.asked++
	return a
}

// serve answers until the test ends, and returns the address.
func (f *fakeServer) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.held {
			c.Close()
		}
	})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			cmd := make([]byte, 4)
			if _, err := io.ReadFull(conn, cmd); err == nil && string(cmd) == "srvr" {
				io.WriteString(conn, f.answer())
				conn.Close()
				continue
			}
			f.mu.Lock()
			f.held = append(f.held, conn)
			f.mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// sessions counts the connections that asked for something else than srvr.
func (f *fakeServer) sessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.held)
}

// TestServing: srvr decides, and a session is never asked for while the
// server does not serve.
func TestServing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []string
		want    error  // errors.Is
		wantMsg string // in the error
	}{
		{"standalone", []string{standalone}, nil, ""},
		{"serves after loading", []string{notServing, notServing, notServing, standalone}, nil, ""},
		{"never serves", []string{notServing}, context.DeadlineExceeded, "does not serve (last: 127.0.0.1"},
		{"read-only", []string{readOnly}, context.DeadlineExceeded, "is read-only"},
		{"srvr refused", []string{refused}, quorum.ErrNotAllowed, "srvr is not in the server's 4lw.commands.whitelist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeServer{answers: tc.answers}
			addr := f.serve(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := Serving(ctx, []string{addr}, hclog.NewNullLogger())
			if tc.want == nil && err != nil {
				t.Fatalf("want nil, have %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("want %v, have %v", tc.want, err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("want %q in %q", tc.wantMsg, err)
			}
			if want, have := 0, f.sessions(); want != have {
				t.Errorf("sessions asked for: want %d, have %d", want, have)
			}
		})
	}
}

// TestServingAsksEveryServer: one server that serves is enough.
func TestServingAsksEveryServer(t *testing.T) {
	down := (&fakeServer{answers: []string{notServing}}).serve(t)
	up := (&fakeServer{answers: []string{standalone}}).serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Serving(ctx, []string{down, up}, hclog.NewNullLogger()); err != nil {
		t.Fatal(err)
	}
}

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
	if want := "zookeeper at " + addr + " does not serve (last: srvr to " + addr; !strings.Contains(err.Error(), want) {
		t.Errorf("want %q in %q", want, err)
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

// TestWaitSilentServer: a server that refuses srvr is waited for with
// sessions; one that accepts the connection and never answers the session
// request is given up on after the handshake timeout and tried again,
// rather than waited for over a minute.
func TestWaitSilentServer(t *testing.T) {
	f := &fakeServer{answers: []string{refused}}
	addr := f.serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Wait(ctx, []string{addr}, hclog.NewNullLogger())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline, have %v", err)
	}
	if !strings.Contains(err.Error(), "has no session") {
		t.Errorf("want the session named in %q", err)
	}
	// 250 ms, 500 ms, 1 s, 2 s for the first four handshakes.
	if have := f.sessions(); have < 4 {
		t.Errorf("want at least 4 session attempts within 5s, have %d", have)
	}
}
