package health

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// TestUnanswered follows a server that stops answering its checks, is
// hung, and answers again, or is restarted.
func TestUnanswered(t *testing.T) {
	timeout := errors.New("i/o timeout")
	eight := time.Now().Add(-8 * time.Second)
	type probe struct {
		path string
		code int
		body string
	}
	for _, tc := range []struct {
		name  string
		steps func(s *State)
		want  []probe
	}{
		{"not answering", func(s *State) {
			s.Unanswered("kafka", eight, timeout)
		}, []probe{
			{"/readyz", 503, "not ready: kafka not answering for 8s: i/o timeout"},
			{"/livez", 200, "ok"},
		}},
		{"answering again", func(s *State) {
			s.Unanswered("kafka", eight, timeout)
			s.Answering("kafka")
		}, []probe{{"/readyz", 200, "ready"}, {"/livez", 200, "ok"}}},
		{"hung", func(s *State) {
			s.Unanswered("zookeeper", eight, timeout)
			s.Hung("zookeeper")
			s.Unanswered("zookeeper", eight, timeout) // a later check keeps it hung
		}, []probe{
			{"/readyz", 503, "not ready: zookeeper not answering for 8s: i/o timeout"},
			{"/livez", 503, "hung: zookeeper not answering for 8s: i/o timeout"},
		}},
		{"hung, then answering", func(s *State) {
			s.Unanswered("zookeeper", eight, timeout)
			s.Hung("zookeeper")
			s.Answering("zookeeper")
		}, []probe{{"/readyz", 200, "ready"}, {"/livez", 200, "ok"}}},
		{"hung only once not answering", func(s *State) {
			s.Hung("kafka")
		}, []probe{{"/readyz", 200, "ready"}, {"/livez", 200, "ok"}}},
		{"restarted", func(s *State) {
			s.Unanswered("kafka", eight, timeout)
			s.Down("kafka")
		}, []probe{{"/readyz", 503, "not ready: kafka down"}, {"/livez", 200, "ok"}}},
		{"answering, not ready", func(s *State) {
			s.Unanswered("kafka", time.Now(), fmt.Errorf("%w: the kraft quorum has no leader", watch.ErrNotReady))
		}, []probe{
			{"/readyz", 503, "not ready: kafka not ready: the kraft quorum has no leader"},
			{"/livez", 200, "ok"},
		}},
		{"hung, then answering not ready", func(s *State) {
			s.Unanswered("kafka", eight, timeout)
			s.Hung("kafka")
			s.Unanswered("kafka", time.Now(), fmt.Errorf("%w: the kraft quorum has no leader", watch.ErrNotReady))
		}, []probe{
			{"/readyz", 503, "not ready: kafka not ready: the kraft quorum has no leader"},
			{"/livez", 200, "ok"},
		}},
		{"both", func(s *State) {
			s.Unanswered("zookeeper", eight, timeout)
			s.Unanswered("kafka", eight, errors.New("EOF"))
			s.Down("zookeeper")
		}, []probe{{"/readyz", 503, "not ready: zookeeper down; kafka not answering for 8s: EOF"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s State
			s.SetPhase(Ready)
			tc.steps(&s)
			for _, p := range tc.want {
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.path, nil))
				if want, have := p.code, rec.Code; want != have {
					t.Errorf("%s code: want %d, have %d", p.path, want, have)
				}
				if want, have := p.body, strings.TrimSpace(rec.Body.String()); want != have {
					t.Errorf("%s body: want %q, have %q", p.path, want, have)
				}
			}
		})
	}
}
