package probe_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/probe"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct {
		name, addr, path, want, err string
	}{
		{name: "default", addr: ":8080", path: "/readyz", want: "http://127.0.0.1:8080/readyz"},
		{name: "wildcard v4", addr: "0.0.0.0:8081", path: "/livez", want: "http://127.0.0.1:8081/livez"},
		{name: "wildcard v6", addr: "[::]:8081", path: "/readyz", want: "http://127.0.0.1:8081/readyz"},
		{name: "bound host", addr: "10.1.2.3:9000", path: "/readyz", want: "http://10.1.2.3:9000/readyz"},
		{name: "v6 host", addr: "[fd00::1]:8080", path: "/readyz", want: "http://[fd00::1]:8080/readyz"},
		{name: "no port", addr: "localhost", path: "/readyz", err: "not host:port"},
		{name: "empty port", addr: "localhost:", path: "/readyz", err: "not host:port"},
		{name: "relative path", addr: ":8080", path: "readyz", err: "does not start with /"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have, err := probe.URL(tc.addr, tc.path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error with %q, have %v (%q)", tc.err, err, have)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.want; want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		want    string
		healthy bool
	}{
		{name: "ready", status: 200, body: "ready\n", want: "ready", healthy: true},
		{name: "starting", status: 503, body: "not ready: waiting for kafka\n", want: "503 Service Unavailable not ready: waiting for kafka"},
		{name: "stopping", status: 503, body: "not ready: stopping\n", want: "not ready: stopping"},
		{name: "not found", status: 404, body: "404 page not found\n", want: "404 Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			line, err := probe.Check(ctx, srv.Client(), srv.URL+"/readyz")
			if tc.healthy {
				if err != nil {
					t.Fatal(err)
				}
				if want, have := tc.want, line; want != have {
					t.Errorf("want %q, have %q", want, have)
				}
				return
			}
			if !errors.Is(err, probe.ErrNotHealthy) {
				t.Fatalf("want ErrNotHealthy, have %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want %q in %q", tc.want, err)
			}
		})
	}
}

func TestCheckNoServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/readyz"
	srv.Close() // nothing listens there any more
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := probe.Check(ctx, http.DefaultClient, url)
	if err == nil || errors.Is(err, probe.ErrNotHealthy) {
		t.Fatalf("want a connection error, have %v", err)
	}
}
