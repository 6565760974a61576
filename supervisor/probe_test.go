package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/livez":
			_, _ = w.Write([]byte("ok\n"))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: waiting for kafka\n"))
		}
	}))
	defer srv.Close()
	addr := "SUPERVISOR_HTTP_ADDR=" + strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		code    int
		out     string
		errText string
	}{
		{name: "readyz by default", args: []string{"probe"}, env: []string{addr}, code: 1, errText: "not ready: waiting for kafka"},
		{name: "livez", args: []string{"probe", "/livez"}, env: []string{addr}, code: 0, out: "ok\n"},
		{name: "last address wins", args: []string{"probe", "/livez"}, env: []string{"SUPERVISOR_HTTP_ADDR=:1", addr}, code: 0, out: "ok\n"},
		{name: "bad address", args: []string{"probe"}, env: []string{"SUPERVISOR_HTTP_ADDR=nowhere"}, code: 1, errText: "SUPERVISOR_HTTP_ADDR"},
		{name: "too many arguments", args: []string{"probe", "/livez", "/readyz"}, env: []string{addr}, code: 1, errText: "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(tc.args, tc.env, &stdout, &stderr)
			if want, have := tc.code, code; want != have {
				t.Errorf("want exit %d, have %d (stderr %q)", want, have, stderr.String())
			}
			if want, have := tc.out, stdout.String(); want != have {
				t.Errorf("want stdout %q, have %q", want, have)
			}
			if !strings.Contains(stderr.String(), tc.errText) {
				t.Errorf("want %q in stderr %q", tc.errText, stderr.String())
			}
		})
	}
}
