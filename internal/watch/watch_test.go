package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// event is one report of Run, as the recorder saw it.
type event struct {
	kind string // unanswered, answering or hung
	err  string
}

// recorder takes Run's reports as events.
type recorder struct{ events chan event }

func (r recorder) Unanswered(name string, since time.Time, err error) {
	r.events <- event{"unanswered", err.Error()}
}
func (r recorder) Answering(name string) { r.events <- event{"answering", ""} }

// server answers its checks, or not, or answers not ready, as the test
// says, and counts them.
type server struct {
	failing  atomic.Bool
	notReady atomic.Bool
	checks   atomic.Int64
}

func (s *server) check(ctx context.Context) error {
	s.checks.Add(1)
	if s.failing.Load() {
		return errors.New("i/o timeout")
	}
	if s.notReady.Load() {
		return fmt.Errorf("%w: no leader", ErrNotReady)
	}
	return nil
}

// syncBuffer is a log output that the test reads while Run writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs Run on srv until the test ends.
func start(t *testing.T, s Settings, srv *server) (chan event, *syncBuffer) {
	events := make(chan event, 1000)
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, Options{
			Settings: s, Name: "kafka", Check: srv.check, Health: recorder{events},
			Hung: func(since time.Time, err error) { events <- event{"hung", err.Error()} },
			Log:  hclog.New(&hclog.LoggerOptions{Output: out}),
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return events, out
}

// next returns Run's next report that is not a repeat of unanswered.
func next(t *testing.T, events chan event) event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if e.kind != "unanswered" {
				return e
			}
		case <-deadline:
			t.Fatal("no report within 10s")
		}
	}
}

// await waits until srv has been checked n more times.
func await(t *testing.T, srv *server, n int64) {
	t.Helper()
	want := srv.checks.Load() + n
	deadline := time.Now().Add(10 * time.Second)
	for srv.checks.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d checks within 10s", n)
		}
		time.Sleep(time.Millisecond) // polls the counter
	}
}

func TestFailuresInARow(t *testing.T) {
	srv := &server{}
	events, out := start(t, Settings{Period: time.Millisecond, Failures: 3, Hang: time.Hour}, srv)
	await(t, srv, 3)
	srv.failing.Store(true)
	select {
	case e := <-events:
		if want, have := (event{"unanswered", "i/o timeout"}), e; want != have {
			t.Errorf("want %v, have %v", want, have)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no report within 10s")
	}
	await(t, srv, 10)
	srv.failing.Store(false)
	if want, have := (event{"answering", ""}), next(t, events); want != have {
		t.Errorf("want %v, have %v", want, have)
	}
	await(t, srv, 10)
	select {
	case e := <-events:
		t.Errorf("a report while answering: %v", e)
	default:
	}
	if want, have := 1, strings.Count(out.String(), "not answering"); want != have {
		t.Errorf("not answering lines: want %d, have %d\n%s", want, have, out)
	}
	if want, have := 1, strings.Count(out.String(), "answering again"); want != have {
		t.Errorf("answering again lines: want %d, have %d\n%s", want, have, out)
	}
}

// TestFewerFailures: a server that misses fewer checks in a row than
// Failures is never reported.
func TestFewerFailures(t *testing.T) {
	srv := &server{}
	events, _ := start(t, Settings{Period: time.Millisecond, Failures: 1000, Hang: time.Hour}, srv)
	srv.failing.Store(true)
	await(t, srv, 100)
	srv.failing.Store(false)
	await(t, srv, 10)
	select {
	case e := <-events:
		t.Errorf("want no report, have %v", e)
	default:
	}
}

// TestHung: a server without an answer for Hang is reported hung once,
// and again only after it answered in between.
func TestHung(t *testing.T) {
	srv := &server{}
	events, _ := start(t, Settings{Period: time.Millisecond, Failures: 2, Hang: 50 * time.Millisecond}, srv)
	for range 2 {
		srv.failing.Store(true)
		if want, have := (event{"hung", "i/o timeout"}), next(t, events); want != have {
			t.Fatalf("want %v, have %v", want, have)
		}
		await(t, srv, 20)
		srv.failing.Store(false)
		if want, have := (event{"answering", ""}), next(t, events); want != have {
			t.Fatalf("after a hang, want %v, have %v", want, have)
		}
	}
}

// TestDeadline: a check that never returns by itself ends at its
// deadline, with an error that says so.
func TestDeadline(t *testing.T) {
	events := make(chan event, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, Options{
			Settings: Settings{Period: 10 * time.Millisecond, Failures: 1, Hang: time.Hour}, Name: "zookeeper",
			Check:  func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) },
			Health: recorder{events}, Log: hclog.NewNullLogger(),
		})
	}()
	defer func() { cancel(); <-done }()
	select {
	case e := <-events:
		if want, have := (event{"unanswered", "no answer within 10ms"}), e; want != have {
			t.Errorf("want %v, have %v", want, have)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no report within 10s")
	}
}

func TestWindow(t *testing.T) {
	if want, have := 8*time.Second, (Settings{Period: 2 * time.Second, Failures: 3}).Window(); want != have {
		t.Errorf("want %s, have %s", want, have)
	}
}

// TestHungAfterUnanswered: a hang timeout that passes before the failures
// in a row are counted (checks slower than their period) is reported only
// after the server is reported not answering, never before.
func TestHungAfterUnanswered(t *testing.T) {
	srv := &server{}
	events, _ := start(t, Settings{Period: time.Millisecond, Failures: 20, Hang: time.Nanosecond}, srv)
	srv.failing.Store(true)
	for _, want := range []string{"unanswered", "hung"} {
		select {
		case e := <-events:
			if e.kind != want {
				t.Fatalf("want %s, have %v", want, e)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no report within 10s")
		}
	}
}

// TestNotReady: a server that answers it is not ready is reported after
// Failures checks in a row, as not ready, and never hung however long it
// lasts; a server that then stops answering is hung only after Hang from
// its last answer of any kind.
func TestNotReady(t *testing.T) {
	srv := &server{}
	events, out := start(t, Settings{Period: time.Millisecond, Failures: 3, Hang: 50 * time.Millisecond}, srv)
	await(t, srv, 3)
	srv.notReady.Store(true)
	select {
	case e := <-events:
		if want, have := (event{"unanswered", "not ready: no leader"}), e; want != have {
			t.Errorf("want %v, have %v", want, have)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no report within 10s")
	}
	// Well past Hang, checked without a pause.
	t0 := time.Now()
	for time.Since(t0) < 200*time.Millisecond {
		await(t, srv, 1)
	}
	for len(events) > 0 {
		if e := <-events; e.kind == "hung" {
			t.Fatalf("a server answering not ready reported hung: %v", e)
		}
	}
	srv.failing.Store(true)
	if want, have := (event{"hung", "i/o timeout"}), next(t, events); want != have {
		t.Errorf("want %v, have %v", want, have)
	}
	if !strings.Contains(out.String(), "answering, not ready") {
		t.Errorf("no line says answering, not ready:\n%s", out)
	}
}
