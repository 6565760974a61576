package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
)

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestSupervised(r config.Restart) (*supervised, *health.State, *lockedBuffer) {
	state := &health.State{}
	state.SetPhase(health.Ready)
	out := &lockedBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Output: out, DisableTime: true})
	return newSupervised(Common{Restart: r, Log: log, Health: state}, "child", "child.sh", "", nil, log), state, out
}

func readyz(s *health.State) string {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return strings.TrimSpace(rec.Body.String())
}

var died = &proc.ExitError{Name: "child", Status: proc.Status{Code: -1, Signal: syscall.SIGKILL}}

func TestSupervise(t *testing.T) {
	onFailure := config.Restart{Policy: config.RestartOnFailure, Limit: 2, Backoff: time.Millisecond}
	timeout := errors.New("child start took longer than 2m0s")
	for _, tc := range []struct {
		name      string
		restart   config.Restart
		results   []error // once's results, in turn
		wantCalls int
		wantErr   error
		wantReady string
	}{
		{"never restarts", config.Restart{Policy: config.RestartNever, Limit: 5, Backoff: time.Millisecond},
			[]error{died}, 1, died, "not ready: child down"},
		{"restarts until it runs", onFailure, []error{died, died, nil}, 3, nil, "ready"},
		{"gives up after the limit", onFailure, []error{died, died, died}, 3, died, "not ready: child down"},
		{"a timeout is not restarted", onFailure, []error{timeout}, 1, timeout, "ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, state, _ := newTestSupervised(tc.restart)
			calls := 0
			err := s.supervise(func(restart int) error {
				if want, have := calls, restart; want != have {
					t.Errorf("call %d: want restart %d, have %d", calls, want, have)
				}
				calls++
				if calls == len(tc.results) && tc.results[calls-1] == nil {
					state.Up("child") // as once does when the child serves again
				}
				return tc.results[calls-1]
			})
			if want, have := tc.wantErr, err; !errors.Is(have, want) {
				t.Errorf("error: want %v, have %v", want, have)
			}
			if want, have := tc.wantCalls, calls; want != have {
				t.Errorf("calls: want %d, have %d", want, have)
			}
			if want, have := tc.wantReady, readyz(state); want != have {
				t.Errorf("/readyz: want %q, have %q", want, have)
			}
		})
	}
}

// TestSuperviseStopDuringBackoff: a stop during the wait before a restart
// ends it at once, with no restart.
func TestSuperviseStopDuringBackoff(t *testing.T) {
	s, state, out := newTestSupervised(config.Restart{Policy: config.RestartOnFailure, Limit: 5, Backoff: time.Hour})
	calls := 0
	result := make(chan error, 1)
	go func() { result <- s.supervise(func(int) error { calls++; return died }) }()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(out.String(), "restarting: child=child") {
		select {
		case <-deadline:
			t.Fatalf("no restart announced:\n%s", out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if want, have := "not ready: child down", readyz(state); want != have {
		t.Errorf("/readyz during the backoff: want %q, have %q", want, have)
	}
	s.Stop()
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("want nil after a stop, have %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("supervise still waiting after the stop")
	}
	if want, have := 1, calls; want != have {
		t.Errorf("calls: want %d, have %d", want, have)
	}
}

// TestSuperviseWaitsDouble: each restart in a row waits twice as long as
// the one before (SUPERVISOR_RESTART_BACKOFF).
func TestSuperviseWaitsDouble(t *testing.T) {
	s, _, out := newTestSupervised(config.Restart{Policy: config.RestartOnFailure, Limit: 3, Backoff: time.Millisecond})
	if err := s.supervise(func(int) error { return died }); !errors.Is(err, died) {
		t.Fatalf("want the child's exit after the limit, have %v", err)
	}
	var have []string
	for _, line := range strings.Split(out.String(), "\n") {
		if _, after, ok := strings.Cut(line, " in="); ok && strings.Contains(line, "restarting:") {
			have = append(have, strings.Fields(after)[0])
		}
	}
	if want := []string{"1ms", "2ms", "4ms"}; !slices.Equal(want, have) {
		t.Errorf("waits: want %q, have %q\n%s", want, have, out.String())
	}
}
