// Package health serves the supervisor's liveness and readiness over HTTP.
package health

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// Phase is where the supervisor is in its life.
type Phase string

// The phases, in the order a start goes through them.
const (
	Starting         Phase = "starting"
	WaitingZooKeeper Phase = "waiting for zookeeper"
	WaitingQuorum    Phase = "waiting for quorum" // an ensemble member without quorum
	WaitingKafka     Phase = "waiting for kafka"
	CreatingTopics   Phase = "creating topics"
	Ready            Phase = "ready"
	Stopping         Phase = "stopping"
)

// State is the supervisor's phase and whether something it runs has failed.
// The zero value is in phase Starting and alive.
type State struct {
	mu     sync.Mutex
	phase  Phase
	failed string
	down   map[string]bool // children between an exit and their restart
	// silent are the running servers that do not answer their checks.
	silent map[string]silence
}

// silence is how long a server has not answered, and why.
type silence struct {
	since time.Time // its last answer
	err   error     // its last check's error
	hung  bool      // past the hang timeout: not alive either
}

// describe reads "kafka not answering for 8s: i/o timeout", or for a
// server that answers that it cannot serve, "kafka not ready: the kraft
// quorum has no leader".
func (s silence) describe(name string) string {
	if errors.Is(s.err, watch.ErrNotReady) {
		return fmt.Sprintf("%s %v", name, s.err)
	}
	return fmt.Sprintf("%s not answering for %s: %v", name, time.Since(s.since).Round(time.Second), s.err)
}

// SetPhase moves to phase p. Once Stopping, the phase no longer changes, so
// that a late step cannot make a stopping supervisor look ready.
func (s *State) SetPhase(p Phase) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase != Stopping {
		s.phase = p
	}
}

// Phase returns the current phase.
func (s *State) Phase() Phase {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == "" {
		return Starting
	}
	return s.phase
}

// Fail records that a child died: liveness fails from now on.
func (s *State) Fail(why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == "" {
		s.failed = why
	}
}

// Down records that the named child is down and being restarted: the
// supervisor is not ready until Up names it.
func (s *State) Down(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down == nil {
		s.down = make(map[string]bool)
	}
	s.down[name] = true
	delete(s.silent, name)
}

// Unanswered records that the named server runs but has not answered its
// checks since its last answer at since, the last of them failing with
// err: the supervisor is not ready until Answering names it.
func (s *State) Unanswered(name string, since time.Time, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silent == nil {
		s.silent = make(map[string]silence)
	}
	// A server that answers it is not ready is no longer hung.
	hung := s.silent[name].hung && !errors.Is(err, watch.ErrNotReady)
	s.silent[name] = silence{since: since, err: err, hung: hung}
}

// Hung records that the named server, not answering, is past its hang
// timeout: the supervisor is not alive either until Answering names it.
func (s *State) Hung(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.silent[name]; ok {
		e.hung = true
		s.silent[name] = e
	}
}

// Answering records that the named server answers its checks again.
func (s *State) Answering(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.silent, name)
}

// Up records that the named child serves again.
func (s *State) Up(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.down, name)
}

// readiness says whether the supervisor is ready, and if not, why: its
// phase, or, in phase Ready, the children down and the servers that do not
// answer.
func (s *State) readiness() (bool, string) {
	p := s.Phase()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != Ready {
		return false, string(p)
	}
	var why []string
	if len(s.down) > 0 {
		why = append(why, strings.Join(slices.Sorted(maps.Keys(s.down)), ", ")+" down")
	}
	for _, name := range slices.Sorted(maps.Keys(s.silent)) {
		why = append(why, s.silent[name].describe(name))
	}
	if len(why) == 0 {
		return true, string(Ready)
	}
	return false, strings.Join(why, "; ")
}

// liveness says whether the supervisor is alive, and if not, why: a child
// that failed, or servers past their hang timeout.
func (s *State) liveness() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != "" {
		return false, "failed: " + s.failed
	}
	var why []string
	for _, name := range slices.Sorted(maps.Keys(s.silent)) {
		if e := s.silent[name]; e.hung {
			why = append(why, e.describe(name))
		}
	}
	if len(why) > 0 {
		return false, "hung: " + strings.Join(why, "; ")
	}
	return true, "ok"
}

// Handler serves /livez (200 while the supervisor and its children are
// alive, and none is hung) and /readyz (200 only in phase Ready with no
// child down and every server answering), each with a one-line body.
func (s *State) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		alive, why := s.liveness()
		if !alive {
			reply(w, http.StatusServiceUnavailable, why)
			return
		}
		reply(w, http.StatusOK, why)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		ready, why := s.readiness()
		if !ready {
			reply(w, http.StatusServiceUnavailable, "not ready: "+why)
			return
		}
		reply(w, http.StatusOK, why)
	})
	return mux
}

func reply(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, body)
}
