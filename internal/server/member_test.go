package server

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/quorum"
	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// fakeMember answers srvr with the mode it is set to; "" closes each
// connection without an answer.
type fakeMember struct {
	mu   sync.Mutex
	mode quorum.Mode
}

func (f *fakeMember) set(m quorum.Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = m
}

func (f *fakeMember) reply() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch f.mode {
	case "":
		return ""
	case quorum.NotServing:
		return "This ZooKeeper instance is not currently serving requests\n"
	case refused:
		return "srvr is not executed because it is not in the whitelist.\n"
	}
	return "Zookeeper version: 3.8.4-9316c2a7, built on 2024-02-12 22:16 UTC\nZxid: 0x100000000\nMode: " + string(f.mode) + "\nNode count: 5\n"
}

// refused stands for a server whose 4lw.commands.whitelist lacks srvr.
const refused quorum.Mode = "refused"

// serve answers until the test ends.
func (f *fakeMember) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			cmd := make([]byte, 4)
			if _, err := io.ReadFull(conn, cmd); err == nil {
				io.WriteString(conn, f.reply())
			}
			conn.Close()
		}
	}()
	return ln.Addr().String()
}

// TestFollow moves an ensemble member through the modes it goes through:
// /readyz follows, ready only as leader or follower.
func TestFollow(t *testing.T) {
	member := &fakeMember{mode: quorum.NotServing}
	addr := member.serve(t)
	state := &health.State{}
	state.SetPhase(health.WaitingQuorum)
	z := &ZooKeeper{
		supervised: &supervised{Common: Common{Log: hclog.NewNullLogger(), Health: state}},
		opts:       ZooKeeperOptions{Last: true, Ensemble: true},
		ready:      make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		z.follow(ctx, addr, quorum.NotServing, time.Now(), polls{waiting: 10 * time.Millisecond, serving: 10 * time.Millisecond}, func(time.Time, error) {})
	}()
	t.Cleanup(func() { cancel(); <-done })

	waitPhase := func(want health.Phase) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for state.Phase() != want {
			select {
			case <-deadline:
				t.Fatalf("phase: want %q within 10s, have %q", want, state.Phase())
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	select {
	case <-z.Ready():
		t.Fatal("ready before the member had a quorum")
	default:
	}
	for _, step := range []struct {
		mode quorum.Mode
		want health.Phase
	}{
		{quorum.Follower, health.Ready},
		{quorum.NotServing, health.WaitingQuorum},
		{quorum.Leader, health.Ready},
		{"", health.WaitingQuorum}, // no answer at all
		{quorum.Follower, health.Ready},
		{quorum.ReadOnly, health.WaitingQuorum},
		{quorum.Standalone, health.Ready}, // an ensemble of one
		{quorum.Observer, health.WaitingQuorum},
	} {
		member.set(step.mode)
		waitPhase(step.want)
	}
	select {
	case <-z.Ready():
	default:
		t.Error("Ready not closed after the member served")
	}

	// A restarted member follows again from its start: serving once more
	// must not close Ready twice (a panic would end PID 1).
	cancel()
	<-done
	state.SetPhase(health.WaitingQuorum)
	member.set(quorum.NotServing)
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() {
		defer close(done2)
		z.follow(ctx2, addr, quorum.NotServing, time.Now(), polls{waiting: 10 * time.Millisecond, serving: 10 * time.Millisecond}, func(time.Time, error) {})
	}()
	defer func() { cancel2(); <-done2 }()
	member.set(quorum.Leader)
	waitPhase(health.Ready)
}

func TestFirstAnswer(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode quorum.Mode
		want quorum.Mode
		err  string
	}{
		{"no quorum yet", quorum.NotServing, quorum.NotServing, ""},
		{"leader", quorum.Leader, quorum.Leader, ""},
		{"srvr refused", refused, "", "srvr is not in the server's 4lw.commands.whitelist: add srvr to ZOOKEEPER_4LW_COMMANDS_WHITELIST"},
		{"never answers", "", "", "does not answer (last: srvr to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := (&fakeMember{mode: tc.mode}).serve(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			mode, err := firstAnswer(ctx, addr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error containing %q, have %v (mode %q)", tc.err, err, mode)
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

// TestFollowHung: a member without any answer for the hang timeout is
// passed to hung once, with its last answer's time; after it answers
// again, a new silence is passed again. /livez says so meanwhile.
func TestFollowHung(t *testing.T) {
	member := &fakeMember{mode: quorum.Leader}
	addr := member.serve(t)
	state := &health.State{}
	z := &ZooKeeper{
		supervised: &supervised{Common: Common{Log: hclog.NewNullLogger(), Health: state,
			Checks: watch.Settings{Period: 10 * time.Millisecond, Failures: 1, Hang: 100 * time.Millisecond}},
			spec: proc.Spec{Name: "zookeeper"}},
		opts:  ZooKeeperOptions{Last: true, Ensemble: true},
		ready: make(chan struct{}),
	}
	hung := make(chan time.Time, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		z.follow(ctx, addr, quorum.Leader, time.Now(), polls{waiting: 10 * time.Millisecond, serving: 10 * time.Millisecond},
			func(last time.Time, err error) {
				state.Hung("zookeeper")
				hung <- last
			})
	}()
	t.Cleanup(func() { cancel(); <-done })
	for round := 1; round <= 2; round++ {
		member.set("") // no answer at all
		select {
		case last := <-hung:
			if silent := time.Since(last); silent < z.Checks.Hang {
				t.Errorf("round %d: hung after %s without an answer, short of the hang timeout", round, silent)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: not passed to hung within 10s", round)
		}
		if code, body := livez(state); code != 503 || !strings.HasPrefix(body, "hung: zookeeper not answering") {
			t.Errorf("round %d: /livez: want 503 hung, have %d %q", round, code, body)
		}
		member.set(quorum.Follower)
		deadline := time.After(10 * time.Second)
		for code, _ := livez(state); code != 200; code, _ = livez(state) {
			select {
			case <-deadline:
				t.Fatalf("round %d: not alive within 10s of answering again", round)
			case <-time.After(5 * time.Millisecond):
			}
		}
		select {
		case <-hung:
			t.Fatalf("round %d: passed to hung twice for one silence", round)
		default:
		}
	}
}
