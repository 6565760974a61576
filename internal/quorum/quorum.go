// Package quorum asks a ZooKeeper server, with the srvr four-letter word,
// which part it plays in its ensemble: leader, follower, standalone, or
// none while it has no quorum.
//
// srvr is the one four-letter word in ZooKeeper's default
// 4lw.commands.whitelist (3.5 and later). go-zookeeper's FLWSrvr cannot be
// used for it: it parses the whole reply and expects the build date of
// ZooKeeper 3.4 ("built on 02/20/2014 09:09 GMT"), so it fails on 3.8's
// ("built on 2024-02-12 22:16 UTC"). Only the Mode line matters here.
package quorum

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Mode is the part a ZooKeeper server plays, as srvr names it.
type Mode string

// The modes a server reports, and NotServing for one that runs but has no
// quorum (it answers "This ZooKeeper instance is not currently serving
// requests").
const (
	Leader     Mode = "leader"
	Follower   Mode = "follower"
	Observer   Mode = "observer"
	Standalone Mode = "standalone"
	ReadOnly   Mode = "read-only"
	NotServing Mode = "not serving"
)

// InQuorum reports whether a server in mode m serves as a voting member
// of an ensemble that has a quorum: a leader or a follower.
func (m Mode) InQuorum() bool { return m == Leader || m == Follower }

// ErrNotAllowed says the server refuses srvr: it is missing from the
// server's 4lw.commands.whitelist.
var ErrNotAllowed = errors.New("srvr is not in the server's 4lw.commands.whitelist")

// maxReply bounds what is read of a reply; srvr's is a few hundred bytes.
const maxReply = 64 << 10

// Ask sends srvr to the server at addr (host:port of its client port) and
// returns its mode. ctx bounds the whole exchange.
func Ask(ctx context.Context, addr string) (Mode, error) {
	return AskAfter(ctx, addr, 0)
}

// AskAfter is Ask with a pause of hold between the connection and srvr,
// for a server that may be starting.
//
// A starting ZooKeeper (3.8's, Kafka 3.9's) accepts connections a moment
// before it has created its database, and a connection it closes in that
// moment makes it log "Error closing a command socket" with a
// NullPointerException stack trace (ZKDatabase.removeCnxn, "this.zkDb is
// null"). It closes a srvr connection as soon as it has answered, so a
// srvr sent at once after the connection can close it there: 1 start of
// 16 of 3.9.1 on a loaded 2-core machine did. The moment lasted 8 ms; a
// connection that waits hold before asking is closed after it.
func AskAfter(ctx context.Context, addr string, hold time.Duration) (Mode, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("srvr to %s: %w", addr, err)
	}
	defer conn.Close()
	// The exchange ends with ctx, which closes the connection.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if hold > 0 {
		select {
		case <-time.After(hold):
		case <-ctx.Done():
			return "", fmt.Errorf("srvr to %s: %w", addr, context.Cause(ctx))
		}
	}
	if _, err := io.WriteString(conn, "srvr"); err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return "", fmt.Errorf("srvr to %s: %w", addr, err)
	}
	// The server closes the connection once it has answered.
	reply, err := io.ReadAll(io.LimitReader(conn, maxReply))
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return "", fmt.Errorf("srvr to %s: %w", addr, err)
	}
	mode, err := Parse(reply)
	if err != nil {
		return "", fmt.Errorf("srvr to %s: %w", addr, err)
	}
	return mode, nil
}

// Parse reads the mode from a reply to srvr.
func Parse(reply []byte) (Mode, error) {
	switch {
	case bytes.Contains(reply, []byte("not currently serving requests")):
		return NotServing, nil
	case bytes.Contains(reply, []byte("not in the whitelist")):
		return "", ErrNotAllowed
	}
	sc := bufio.NewScanner(bytes.NewReader(reply))
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok && mode != "" {
			return Mode(strings.TrimSpace(mode)), nil
		}
	}
	first, _, _ := strings.Cut(string(reply), "\n")
	return "", fmt.Errorf("no Mode line in the reply %q", truncate(first, 80))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
