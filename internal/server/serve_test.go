package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// TestServeHung runs a child that never answers its checks past the hang
// timeout: under never it fails liveness and keeps running; under
// on-failure it is killed, for supervise to start it again.
func TestServeHung(t *testing.T) {
	reaper := proc.NewReaper(hclog.NewNullLogger())
	ctx, cancel := context.WithCancel(context.Background())
	reaped := make(chan struct{})
	go func() { reaper.Run(ctx); close(reaped) }()
	t.Cleanup(func() { cancel(); <-reaped })

	silent := func(context.Context) error { return errors.New("i/o timeout") }
	for _, policy := range []config.RestartPolicy{config.RestartNever, config.RestartOnFailure} {
		t.Run(string(policy), func(t *testing.T) {
			state := &health.State{}
			state.SetPhase(health.Ready)
			out := &lockedBuffer{}
			log := hclog.New(&hclog.LoggerOptions{Output: out, DisableTime: true})
			s := newSupervised(Common{
				Reaper: reaper, Restart: config.Restart{Policy: policy, Limit: 1, Backoff: time.Millisecond},
				Checks:      watch.Settings{Period: 10 * time.Millisecond, Failures: 1, Hang: 50 * time.Millisecond},
				StopTimeout: 10 * time.Second, Log: log, Health: state,
			}, "child", "", "", nil, log)
			s.spec.Path, s.spec.Args = "/bin/sleep", []string{"60"}
			child, err := s.start()
			if err != nil {
				t.Fatal(err)
			}
			result := make(chan error, 1)
			go func() { result <- s.serve(child, silent) }()

			if policy == config.RestartNever {
				waitLivez(t, state, "hung: child not answering for ")
				select {
				case <-child.Done():
					t.Fatal("the child was ended under never")
				default:
				}
				s.Stop()
				if err := <-result; err != nil {
					t.Errorf("after a stop: want nil, have %v", err)
				}
				return
			}
			select {
			case err := <-result:
				var exit *proc.ExitError
				if !errors.As(err, &exit) || exit.Status.Signal != syscall.SIGKILL {
					t.Errorf("want the child killed, have %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the child still runs 10s past its hang timeout")
			}
			if !strings.Contains(out.String(), "not answering past the hang timeout: killing it: child=child") {
				t.Errorf("no line for the kill:\n%s", out)
			}
			if code, body := livez(state); code != 200 {
				t.Errorf("/livez: want 200 under on-failure, have %d %q", code, body)
			}
		})
	}
}

func livez(s *health.State) (int, string) {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/livez", nil))
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

// waitLivez waits until /livez is 503 with a body that starts with prefix.
func waitLivez(t *testing.T, s *health.State, prefix string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := livez(s)
		if code == 503 && strings.HasPrefix(body, prefix) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/livez: want 503 %q… within 10s, have %d %q", prefix, code, body)
		}
		time.Sleep(5 * time.Millisecond) // polls the handler until the deadline
	}
}
