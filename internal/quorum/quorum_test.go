package quorum

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Replies of ZooKeeper 3.8.4, as its client port gives them.
const (
	follower38 = `Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
Latency min/avg/max: 0/0.0/0
Received: 1
Sent: 0
Connections: 1
Outstanding: 0
Zxid: 0x100000000
Mode: follower
Node count: 5
`
	standalone34 = `Zookeeper version: 3.4.6-1569965, built on 02/20/2014 09:09 GMT
Latency min/avg/max: 0/0/7
Received: 82
Sent: 83
Connections: 2
Outstanding: 0
Zxid: 0x12
Mode: standalone
Node count: 16
`
	notServing  = "This ZooKeeper instance is not currently serving requests\n"
	notAllowed  = "srvr is not executed because it is not in the whitelist.\n"
	leaderShort = "Mode: leader\n"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reply    string
		want     Mode
		inQuorum bool
		err      string
	}{
		{"follower on 3.8", follower38, Follower, true, ""},
		{"leader", leaderShort, Leader, true, ""},
		{"standalone on 3.4", standalone34, Standalone, false, ""},
		{"no quorum", notServing, NotServing, false, ""},
		{"observer", "Mode: observer\n", Observer, false, ""},
		{"read-only", "Mode: read-only\r\n", ReadOnly, false, ""},
		{"not whitelisted", notAllowed, "", false, ErrNotAllowed.Error()},
		{"empty", "", "", false, `no Mode line in the reply ""`},
		{"garbage", "HTTP/1.1 400 Bad Request\nx", "", false, `no Mode line in the reply "HTTP/1.1 400 Bad Request"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mode, err := Parse([]byte(tc.reply))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("want error %q, have %v (mode %q)", tc.err, err, mode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.want, mode; want != have {
				t.Errorf("want %q, have %q", want, have)
			}
			if want, have := tc.inQuorum, mode.InQuorum(); want != have {
				t.Errorf("in quorum: want %v, have %v", want, have)
			}
		})
	}
}

// fakeServer answers each connection that sends srvr with reply, or holds
// it without an answer when reply is empty; it ends with the test.
func fakeServer(t *testing.T, reply string) string {
	addr, _ := timedServer(t, reply)
	return addr
}

// timedServer is fakeServer, and also sends on the channel how long each
// connection waited, from its accept, before srvr came (the first 8).
func timedServer(t *testing.T, reply string) (string, <-chan time.Duration) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan time.Duration, 8)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted := time.Now()
			cmd := make([]byte, 4)
			if _, err := io.ReadFull(conn, cmd); err != nil || string(cmd) != "srvr" {
				conn.Close()
				continue
			}
			select {
			case waited <- time.Since(accepted):
			default:
			}
			if reply == "" {
				// Held open until the client gives up.
				io.Copy(io.Discard, conn)
			} else {
				io.WriteString(conn, reply)
			}
			conn.Close()
		}
	}()
	return ln.Addr().String(), waited
}

func TestAsk(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply string
		want  Mode
		err   error
	}{
		{"follower", follower38, Follower, nil},
		{"no quorum", notServing, NotServing, nil},
		{"not whitelisted", notAllowed, "", ErrNotAllowed},
		{"silent", "", "", context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, tc.reply)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			mode, err := Ask(ctx, addr)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("want error %v, have %v (mode %q)", tc.err, err, mode)
				}
				if !strings.Contains(err.Error(), addr) {
					t.Errorf("error does not name the server: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.want, mode; want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}

// TestAskCancelled: a cancelled context ends a wait for a silent server.
func TestAskCancelled(t *testing.T) {
	addr := fakeServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := Ask(ctx, addr)
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("want an error after cancel, have none")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ask still waits 10s after its context was cancelled")
	}
}

func TestAskNobody(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if mode, err := Ask(ctx, addr); err == nil {
		t.Fatalf("want an error from a closed port, have mode %q", mode)
	}
}

// TestAskAfter: the connection is made at once, srvr only after the hold;
// a context that ends during the hold ends the ask.
func TestAskAfter(t *testing.T) {
	addr, waited := timedServer(t, leaderShort)
	const hold = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if mode, err := AskAfter(ctx, addr, hold); err != nil || mode != Leader {
		t.Fatalf("want leader, have %q, %v", mode, err)
	}
	// Measured from the server's accept, which can come after the
	// client's connect on a loaded machine: half the hold is the bound.
	if have := <-waited; have < hold/2 {
		t.Errorf("srvr came %s after the connection, want about %s", have, hold)
	}

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := AskAfter(short, addr, hold); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context ended during the hold: want %v, have %v", context.DeadlineExceeded, err)
	}
}
