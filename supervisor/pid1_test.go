package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unshare runs the supervisor as PID 1 of a new PID namespace; when it
// exits the kernel kills whatever is left in the namespace.
var unshare = []string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}

// restartAsPID1 starts a new supervisor, as PID 1, on the directories of
// one that ended.
func (in *instance) restartAsPID1(env ...string) *instance {
	in.t.Helper()
	return start(in.t, in.dir, unshare, env...)
}

// inNamespace runs a command inside the supervisor's PID namespace, with
// the namespace's own /proc.
func (in *instance) inNamespace(args ...string) string {
	in.t.Helper()
	argv := append([]string{"--target", strconv.Itoa(in.supervisorPid()), "--pid", "--mount"}, args...)
	out, err := exec.Command("nsenter", argv...).CombinedOutput()
	if err != nil {
		in.t.Fatalf("nsenter %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// zombies lists the zombies of the supervisor's namespace, as ps shows them.
func (in *instance) zombies() []string {
	in.t.Helper()
	var z []string
	pid1 := false
	for _, line := range strings.Split(in.inNamespace("ps", "-e", "-o", "pid=,stat=,args="), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "1" && f[2] == binary {
			pid1 = true
		}
		if len(f) >= 2 && strings.HasPrefix(f[1], "Z") {
			z = append(z, line)
		}
	}
	if !pid1 {
		in.t.Fatal("ps in the namespace does not show the supervisor as PID 1")
	}
	return z
}

// killInNamespace sends sig to pid as the namespace numbers it (the pids
// the supervisor logs).
func (in *instance) killInNamespace(pid int, sig syscall.Signal) {
	in.t.Helper()
	in.inNamespace("kill", "-"+strconv.Itoa(int(sig)), strconv.Itoa(pid))
}

// waitCount waits until re matches n times in the output.
func (in *instance) waitCount(re string, n int, d time.Duration) {
	in.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for len(rx.FindAllStringIndex(in.logs.String(), -1)) < n {
		select {
		case <-deadline:
			in.t.Fatalf("want %d lines matching %q within %s, have %d", n, re, d, len(rx.FindAllStringIndex(in.logs.String(), -1)))
		case <-in.done:
			if len(rx.FindAllStringIndex(in.logs.String(), -1)) >= n {
				return
			}
			in.t.Fatalf("supervisor exited (code %d) before %d lines matched %q", in.exitCode, n, re)
		case <-tick.C:
		}
	}
}

// childPids reads every pid the supervisor logged for a child, in order.
func (in *instance) childPids(name string) []int {
	var pids []int
	for _, m := range regexp.MustCompile(`started: child=`+name+` pid=(\d+)`).FindAllStringSubmatch(in.logs.String(), -1) {
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	return pids
}

// stopCleanly sends SIGTERM and checks the supervisor ends with exit 0,
// no child killed and nothing left in its namespace.
func (in *instance) stopCleanly() {
	in.t.Helper()
	in.signal(syscall.SIGTERM)
	if want, have := 0, in.wait(time.Minute); want != have {
		in.t.Fatalf("exit code: want %d, have %d", want, have)
	}
	if !strings.Contains(in.logs.String(), "exit: code=0 left=0") {
		in.t.Errorf("want the supervisor to find nothing left at exit (exit: code=0 left=0)")
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		in.t.Errorf("processes left behind: %v", left)
	}
}

// logTime reads the time of the first log line matching re (text format).
func (in *instance) logTime(re string) time.Time {
	in.t.Helper()
	m := regexp.MustCompile(`(?m)^(\S+) .*` + re).FindStringSubmatch(in.logs.String())
	if m == nil {
		in.t.Fatalf("no log line matching %q", re)
	}
	ts, err := time.Parse("2006-01-02T15:04:05.000Z0700", m[1])
	if err != nil {
		in.t.Fatalf("log time %q: %v", m[1], err)
	}
	return ts
}

// TestStopInEveryPhase sends SIGTERM to the supervisor as PID 1 in each
// phase of its start, twice each: every time it ends with exit 0, no child
// had to be killed, and nothing is left in its namespace.
func TestStopInEveryPhase(t *testing.T) {
	kafkaDist(t)
	// Enough partitions that creating them takes long enough to be caught.
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("t%d:20:1", i))
	}
	for _, tc := range []struct {
		name string
		env  []string
		when func(in *instance)
	}{
		{"zookeeper starting", nil, func(in *instance) { in.waitLog(`started: child=zookeeper`, time.Minute) }},
		{"waiting for zookeeper", []string{"SUPERVISOR_ROLE=kafka"}, func(in *instance) {
			// Role kafka, and no ZooKeeper at its address.
			in.waitProbe("/readyz", 503, "not ready: waiting for zookeeper", time.Minute)
		}},
		{"kafka starting", nil, func(in *instance) { in.waitLog(`started: child=kafka`, time.Minute) }},
		{"topic bootstrap", []string{"KAFKA_CREATE_TOPICS=" + strings.Join(many, ",")}, func(in *instance) {
			in.waitProbe("/readyz", 503, "not ready: creating topics", 2*time.Minute)
		}},
		{"running", []string{"KAFKA_CREATE_TOPICS=" + seedTopic + ":1:1"}, func(in *instance) {
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
		}},
	} {
		for run := 1; run <= 2; run++ {
			t.Run(fmt.Sprintf("%s/%d", tc.name, run), func(t *testing.T) {
				in := startAsPID1(t, tc.env...)
				tc.when(in)
				in.stopCleanly()
				if strings.Contains(in.logs.String(), "killed after grace") {
					t.Error("a child had to be killed")
				}
			})
		}
	}
}

// TestOrphansAsPID1: ZooKeeper's launcher double-forks 1000 processes
// before it execs the server; each is orphaned, re-parented to the
// supervisor as PID 1, reaped and logged at debug level: ps shows no zombie.
func TestOrphansAsPID1(t *testing.T) {
	const orphans = 1000
	real := kafkaDist(t)
	dist := wrapDist(t, real, "zookeeper-server-start.sh",
		"for i in $(seq 1 "+strconv.Itoa(orphans)+"); do (sleep 1 &); done")
	in := startAsPID1(t, "KAFKA_HOME="+dist, "SUPERVISOR_ROLE=zookeeper", "SUPERVISOR_LOG_LEVEL=debug")
	in.waitLog(`ready: phase=zookeeper`, 2*time.Minute)
	in.waitCount(`\[DEBUG\] supervisor: reaped orphan: pid=\d+ status="exit code 0"`, orphans, 2*time.Minute)
	if z := in.zombies(); len(z) > 0 {
		t.Errorf("zombies in the namespace: %q", z)
	}
	in.stopCleanly()
}

// wrapDist makes a distribution whose script runs shell lines first, then
// execs the real one.
func wrapDist(t *testing.T, real, script, lines string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"libs", "config"} {
		if err := os.Symlink(filepath.Join(real, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zookeeper-server-start.sh", "kafka-server-start.sh"} {
		body := "#!/bin/sh\n"
		if name == script {
			body += lines + "\n"
		}
		body += "exec " + filepath.Join(real, "bin", name) + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, "bin", name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scriptDist makes a distribution without Java whose servers are the
// shell script body; enough for the supervisor to start them.
func scriptDist(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"bin", "libs", "config"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"bin/zookeeper-server-start.sh": "#!/bin/sh\n" + body + "\n",
		"bin/kafka-server-start.sh":     "#!/bin/sh\n" + body + "\n",
		"libs/kafka_2.13-3.9.1.jar":     "",
		"config/zookeeper.properties":   "",
		"config/server.properties":      "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// needPID1 makes sure the supervisor can be run as PID 1 of a new PID
// namespace (root, util-linux's unshare): without, the test skips locally
// and fails in CI.
func needPID1(t *testing.T) {
	t.Helper()
	out, err := exec.Command(unshare[0], append(unshare[1:], "true")...).CombinedOutput()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("cannot run as PID 1 of a new PID namespace: %v %s", err, out)
	}
	t.Skipf("cannot run as PID 1 of a new PID namespace (run as root): %v %s", err, out)
}

// runScripted runs the supervisor as PID 1 on a scripted distribution, role
// zookeeper, to its end, and returns its exit code and output.
func runScripted(t *testing.T, dist string, env ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	cmd := exec.Command(unshare[0], append(unshare[1:], binary)...)
	cmd.Env = append(os.Environ(),
		"KAFKA_HOME="+dist,
		"SUPERVISOR_ROLE=zookeeper",
		"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
		"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(freePort(t)),
		"ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(freePort(t)),
	)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("supervisor still running after a minute:\n%s", out.String())
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// TestExitCodes: as PID 1, the supervisor exits with the code of a child
// that exits on its own (1 for a child that exits 0, since nothing asked it
// to), and with 128+signal for one that a signal ends.
func TestExitCodes(t *testing.T) {
	needPID1(t)
	dist := scriptDist(t, `ulimit -c 0; case "$TEST_CHILD" in kill:*) kill -"${TEST_CHILD#kill:}" $$; sleep 60;; *) exit "$TEST_CHILD";; esac`)
	type exitCase struct {
		child string
		want  int
	}
	var cases []exitCase
	for code := 0; code <= 255; code++ {
		want := code
		if code == 0 {
			want = 1
		}
		cases = append(cases, exitCase{strconv.Itoa(code), want})
	}
	for sig := syscall.Signal(1); sig < 32; sig++ {
		switch sig {
		case syscall.SIGCHLD, syscall.SIGCONT, syscall.SIGURG, syscall.SIGWINCH, // ignored by default
			syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU: // stop, not end
			continue
		}
		cases = append(cases, exitCase{"kill:" + strconv.Itoa(int(sig)), 128 + int(sig)})
	}
	for _, tc := range cases {
		t.Run(tc.child, func(t *testing.T) {
			t.Parallel()
			code, out := runScripted(t, dist, "TEST_CHILD="+tc.child)
			if want, have := tc.want, code; want != have {
				t.Errorf("exit code: want %d, have %d\n%s", want, have, out)
			}
			if !strings.Contains(out, "child exited on its own: stopped the rest: child=zookeeper") {
				t.Errorf("no line naming the child:\n%s", out)
			}
			if !strings.Contains(out, fmt.Sprintf("exit: code=%d left=0", tc.want)) {
				t.Errorf("no exit line with code %d and nothing left:\n%s", tc.want, out)
			}
		})
	}
}

// TestRestartLimit: with on-failure, a child that keeps failing is started
// again up to the limit, then the supervisor exits with its code.
func TestRestartLimit(t *testing.T) {
	needPID1(t)
	dist := scriptDist(t, "exit 7")
	code, out := runScripted(t, dist, "SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_LIMIT=2",
		"SUPERVISOR_RESTART_BACKOFF=10ms")
	if want, have := 7, code; want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
	if want, have := 3, strings.Count(out, "started: child=zookeeper"); want != have {
		t.Errorf("starts: want %d, have %d", want, have)
	}
	for _, want := range []string{
		`restarting: child=zookeeper status="exit code 7" restart=1 limit=2 in=10ms`,
		`restarting: child=zookeeper status="exit code 7" restart=2 limit=2 in=20ms`,
		"restart limit reached: child=zookeeper limit=2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line with %q:\n%s", want, out)
		}
	}
}

// TestRestartOnFailure runs both servers as PID 1 with SUPERVISOR_RESTART
// =on-failure and SIGKILLs each in turn: the supervisor reports it down at
// once (/readyz 503 naming it), starts it again, is ready again, leaves no
// zombie, and still stops cleanly.
func TestRestartOnFailure(t *testing.T) {
	in := startAsPID1(t, "SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_BACKOFF=2s",
		"KAFKA_CREATE_TOPICS="+seedTopic+":1:1",
		// The killed broker's registration goes with its session.
		"KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=6000")
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)

	for _, child := range []string{"kafka", "zookeeper"} {
		pids := in.childPids(child)
		killed := time.Now()
		in.killInNamespace(pids[len(pids)-1], syscall.SIGKILL)
		in.waitProbe("/readyz", 503, "not ready: "+child+" down", 30*time.Second)
		if code, _ := in.probe("/livez"); code != 200 {
			t.Errorf("/livez: want 200 while %s restarts, have %d", child, code)
		}
		in.waitCount(`started: child=`+child+` pid=`, len(pids)+1, time.Minute)
		in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
		t.Logf("%s killed: restart logged after %s", child,
			in.logTime(`restarting: child=`+child).Sub(killed).Round(time.Millisecond))
		if z := in.zombies(); len(z) > 0 {
			t.Errorf("zombies in the namespace: %q", z)
		}
	}
	// The broker came back to the topic it had.
	client := saramaClient(t, in.kafkaAddr)
	if _, err := client.Leader(seedTopic, 0); err != nil {
		t.Errorf("after the restarts, partition 0 has no leader: %v", err)
	}
	client.Close()
	in.stopCleanly()
}

// TestChildKilledAsPID1: with the default policy (never), a SIGKILLed
// child makes the supervisor as PID 1 stop the other in order and exit
// with 128+9, leaving nothing behind.
func TestChildKilledAsPID1(t *testing.T) {
	for _, tc := range []struct{ child, other string }{{"kafka", "zookeeper"}, {"zookeeper", "kafka"}} {
		child := tc.child
		t.Run(child, func(t *testing.T) {
			in := startAsPID1(t)
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			killed := time.Now()
			in.killInNamespace(in.childPid(child), syscall.SIGKILL)
			if want, have := 128+int(syscall.SIGKILL), in.wait(time.Minute); want != have {
				t.Errorf("exit code: want %d, have %d", want, have)
			}
			t.Logf("%s killed: stop of %s logged after %s", child, tc.other,
				in.logTime(`stopping: child=`+tc.other).Sub(killed).Round(time.Millisecond))
			if !strings.Contains(in.logs.String(), "child exited on its own: stopped the rest: child="+child) {
				t.Errorf("no line naming %s", child)
			}
			if !strings.Contains(in.logs.String(), "exit: code=137 left=0") {
				t.Error("want the supervisor to find nothing left at exit (exit: code=137 left=0)")
			}
			if left := processesUnder(in.dir); len(left) > 0 {
				t.Errorf("processes left behind: %v", left)
			}
		})
	}
}

// TestSignalsAsPID1: as PID 1, SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH reach
// the child; SIGTERM, SIGINT and SIGQUIT each stop it (exit 0); a second
// terminating signal kills a child that ignores the first (exit 1), and the
// supervisor itself is never killed by the Go runtime's default.
func TestSignalsAsPID1(t *testing.T) {
	kafkaDist(t)
	// The child never serves, so the supervisor waits for it meanwhile.
	polite := scriptDist(t, `for s in HUP USR1 USR2 WINCH; do trap "echo got $s" $s; done
trap 'echo got TERM; exit 0' TERM
echo trapped
while :; do sleep 1 & wait $!; done`)
	deaf := scriptDist(t, `trap '' TERM INT QUIT
echo trapped
while :; do sleep 1 & wait $!; done`)
	for _, tc := range []struct {
		name     string
		dist     string
		send     []syscall.Signal
		want     []string // log lines, in this order
		wantExit int
	}{
		{"forwarded", polite, []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGTERM},
			[]string{"zookeeper: got HUP", "zookeeper: got USR1", "zookeeper: got USR2", "zookeeper: got WINCH", "zookeeper: got TERM"}, 0},
		{"SIGTERM stops", polite, []syscall.Signal{syscall.SIGTERM}, []string{"stop requested: signal=terminated", "zookeeper: got TERM"}, 0},
		{"SIGINT stops", polite, []syscall.Signal{syscall.SIGINT}, []string{"stop requested: signal=interrupt", "zookeeper: got TERM"}, 0},
		{"SIGQUIT stops", polite, []syscall.Signal{syscall.SIGQUIT}, []string{"stop requested: signal=quit", "zookeeper: got TERM"}, 0},
		{"second signal escalates", deaf, []syscall.Signal{syscall.SIGTERM, syscall.SIGINT},
			[]string{"stop requested: signal=terminated", "stop escalated: killing what still runs: signal=interrupt",
				`stopped: child=zookeeper status="signal killed"`}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := start(t, "", unshare, "KAFKA_HOME="+tc.dist, "SUPERVISOR_ROLE=zookeeper", "SUPERVISOR_STOP_TIMEOUT=60s")
			in.waitLog(`zookeeper: trapped`, time.Minute)
			for i, sig := range tc.send {
				in.signal(sig)
				if i < len(tc.want) {
					in.waitLog(regexp.QuoteMeta(tc.want[i]), 30*time.Second)
				}
			}
			if want, have := tc.wantExit, in.wait(30*time.Second); want != have {
				t.Errorf("exit code: want %d, have %d", want, have)
			}
			logs := in.logs.String()
			at := 0
			for _, line := range tc.want {
				i := strings.Index(logs[at:], line)
				if i < 0 {
					t.Errorf("no %q after position %d", line, at)
					continue
				}
				at += i
			}
			if want := fmt.Sprintf("exit: code=%d left=0", tc.wantExit); !strings.Contains(logs, want) {
				t.Errorf("no line %q", want)
			}
		})
	}
}
