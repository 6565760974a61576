// Package health serves the supervisor's liveness and readiness over HTTP.
package health

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
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
}

// Up records that the named child serves again.
func (s *State) Up(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.down, name)
}

// readiness says whether the supervisor is ready, and if not, why: its
// phase, or the children down in phase Ready.
func (s *State) readiness() (bool, string) {
	p := s.Phase()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != Ready {
		return false, string(p)
	}
	if len(s.down) == 0 {
		return true, string(Ready)
	}
	names := make([]string, 0, len(s.down))
	for name := range s.down {
		names = append(names, name)
	}
	slices.Sort(names)
	return false, strings.Join(names, ", ") + " down"
}

// Handler serves /livez (200 while the supervisor and its children are
// alive) and /readyz (200 only in phase Ready with no child down), each with a one-line body.
func (s *State) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		failed := s.failed
		s.mu.Unlock()
		if failed != "" {
			reply(w, http.StatusServiceUnavailable, "failed: "+failed)
			return
		}
		reply(w, http.StatusOK, "ok")
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
