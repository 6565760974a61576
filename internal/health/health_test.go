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
		path     string
		wantCode int
		wantBody string
	}{
		{"ready before any phase", nil, "", "/readyz", 503, "not ready: starting"},
		{"ready while waiting", []Phase{WaitingZooKeeper}, "", "/readyz", 503, "not ready: waiting for zookeeper"},
		{"ready when ready", []Phase{WaitingKafka, Ready}, "", "/readyz", 200, "ready"},
		{"stopping sticks", []Phase{Ready, Stopping, Ready}, "", "/readyz", 503, "not ready: stopping"},
		{"alive", []Phase{Ready}, "", "/livez", 200, "ok"},
		{"alive while stopping", []Phase{Stopping}, "", "/livez", 200, "ok"},
		{"dead child", []Phase{Ready}, "kafka exited", "/livez", 503, "failed: kafka exited"},
		{"unknown path", nil, "", "/metrics", 404, "404 page not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s State
			for _, p := range tc.phases {
				s.SetPhase(p)
			}
			if tc.fail != "" {
				s.Fail(tc.fail)
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
