package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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

// TestProbeCommand runs `supervisor probe` as the images' HEALTHCHECK does,
// against running supervisors: unhealthy while one waits for ZooKeeper yet
// alive, healthy once one is ready, unhealthy once it has stopped.
func TestProbeCommand(t *testing.T) {
	probe := func(in *instance, args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"probe"}, args...)...)
		cmd.Env = []string{"SUPERVISOR_HTTP_ADDR=" + in.httpAddr}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return exit.ExitCode(), string(out)
		case err != nil:
			t.Fatal(err)
		}
		return 0, string(out)
	}

	// A broker role whose ZooKeeper never comes stays alive and not ready.
	waiting := startSupervisor(t, "SUPERVISOR_ROLE=kafka", "KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:"+strconv.Itoa(freePort(t)))
	waiting.waitProbe("/readyz", 503, "not ready: waiting for zookeeper", time.Minute)
	if code, out := probe(waiting); code != 1 || !strings.Contains(out, "503 Service Unavailable not ready: waiting for zookeeper") {
		t.Errorf("probe while waiting: want exit 1 and the 503, have %d %q", code, out)
	}
	if code, out := probe(waiting, "/livez"); code != 0 || out != "ok\n" {
		t.Errorf("probe /livez while waiting: want exit 0 and ok, have %d %q", code, out)
	}

	zk := startSupervisor(t, "SUPERVISOR_ROLE=zookeeper")
	zk.waitLog(`ready: phase=zookeeper`, time.Minute)
	if code, out := probe(zk); code != 0 || out != "ready\n" {
		t.Errorf("probe when ready: want exit 0 and ready, have %d %q", code, out)
	}
	zk.signal(syscall.SIGTERM)
	if want, have := 0, zk.wait(time.Minute); want != have {
		t.Errorf("zookeeper role exit: want %d, have %d", want, have)
	}
	if code, out := probe(zk); code != 1 {
		t.Errorf("probe after the stop: want exit 1, have %d %q", code, out)
	}
}
