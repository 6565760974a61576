package health

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	for _, tc := range []struct {
		name     string
		phases   []Phase
		fail     string
		down, up []string
		path     string
		wantCode int
		wantBody string
	}{
		{"ready before any phase", nil, "", nil, nil, "/readyz", 503, "not ready: starting"},
		{"ready while waiting", []Phase{WaitingZooKeeper}, "", nil, nil, "/readyz", 503, "not ready: waiting for zookeeper"},
		{"ready when ready", []Phase{WaitingKafka, Ready}, "", nil, nil, "/readyz", 200, "ready"},
		{"stopping sticks", []Phase{Ready, Stopping, Ready}, "", nil, nil, "/readyz", 503, "not ready: stopping"},
		{"alive", []Phase{Ready}, "", nil, nil, "/livez", 200, "ok"},
		{"alive while stopping", []Phase{Stopping}, "", nil, nil, "/livez", 200, "ok"},
		{"dead child", []Phase{Ready}, "kafka exited", nil, nil, "/livez", 503, "failed: kafka exited"},
		{"unknown path", nil, "", nil, nil, "/metrics", 404, "404 page not found"},
		{"child down", []Phase{Ready}, "", []string{"kafka"}, nil, "/readyz", 503, "not ready: kafka down"},
		{"children down", []Phase{Ready}, "", []string{"zookeeper", "kafka"}, nil, "/readyz", 503, "not ready: kafka, zookeeper down"},
		{"child up again", []Phase{Ready}, "", []string{"zookeeper", "kafka"}, []string{"kafka", "zookeeper"}, "/readyz", 200, "ready"},
		{"phase first", []Phase{WaitingKafka}, "", []string{"kafka"}, nil, "/readyz", 503, "not ready: waiting for kafka"},
		{"alive while a child is down", []Phase{Ready}, "", []string{"kafka"}, nil, "/livez", 200, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s State
			for _, p := range tc.phases {
				s.SetPhase(p)
			}
			if tc.fail != "" {
				s.Fail(tc.fail)
			}
			for _, name := range tc.down {
				s.Down(name)
			}
			for _, name := range tc.up {
				s.Up(name)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if want, have := tc.wantCode, rec.Code; want != have {
				t.Errorf("code: want %d, have %d", want, have)
			}
			if want, have := tc.wantBody, strings.TrimSpace(rec.Body.String()); want != have {
				t.Errorf("body: want %q, have %q", want, have)
			}
		})
	}
}
