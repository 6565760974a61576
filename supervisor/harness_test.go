package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// binary is the supervisor built once for the whole test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "supervisor-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "supervisor")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build supervisor:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// kafkaDist returns the distribution that scripts/kafka-dist.sh assembled
// (TEST_KAFKA_DIST). Without it the end-to-end tests skip, except in CI, where
// a missing broker is a failure.
func kafkaDist(t testing.TB) string {
	t.Helper()
	dist := os.Getenv("TEST_KAFKA_DIST")
	if dist == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_KAFKA_DIST is unset: CI must run the end-to-end tests against a real broker (make test)")
		}
		t.Skip("TEST_KAFKA_DIST unset: run `make test` to assemble the Kafka distribution")
	}
	if _, err := os.Stat(filepath.Join(dist, "bin", "kafka-server-start.sh")); err != nil {
		t.Fatalf("TEST_KAFKA_DIST=%s is not a Kafka distribution: %v", dist, err)
	}
	return dist
}

// kafkaDists returns the distributions of the version matrix
// (TEST_KAFKA_DISTS, separated by blanks), else the one of kafkaDist. In
// CI the matrix must be given.
func kafkaDists(t testing.TB) []string {
	t.Helper()
	dists := strings.Fields(os.Getenv("TEST_KAFKA_DISTS"))
	if len(dists) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_KAFKA_DISTS is unset: CI must run the version matrix (make test)")
		}
		return []string{kafkaDist(t)}
	}
	for _, d := range dists {
		if _, err := os.Stat(filepath.Join(d, "bin", "kafka-server-start.sh")); err != nil {
			t.Fatalf("TEST_KAFKA_DISTS: %s is not a Kafka distribution: %v", d, err)
		}
	}
	return dists
}

// distVersion reads the broker version from a distribution's directory
// name, kafka_<scala>-<version>.
func distVersion(t testing.TB, dist string) sarama.KafkaVersion {
	t.Helper()
	_, v, ok := strings.Cut(filepath.Base(dist), "-")
	version, err := sarama.ParseKafkaVersion(v)
	if !ok || err != nil {
		t.Fatalf("no version in the name of %s: %v", dist, err)
	}
	return version
}

// handedOut are the ports freePort gave in this test process. The kernel
// may hand a port just closed to the next listener on port 0, so that two
// tests running side by side could be given the same one; each supervisor
// then tries its ports at start and one of them is refused.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort returns a TCP port nothing listens on right now, and that no
// other test of this process was given.
func freePort(t testing.TB) int {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port
		}
	}
}

// logBuffer collects the supervisor's output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is one supervisor process with its own ports and directories.
type instance struct {
	t         testing.TB
	dist      string
	dir       string
	cmd       *exec.Cmd
	logs      *logBuffer
	httpAddr  string
	kafkaAddr string
	zkPort    int
	done      chan struct{}
	exitCode  int
}

// startSupervisor starts the supervisor binary on fresh ports, with a copy
// of the distribution's stock configuration, plus env (NAME=value).
func startSupervisor(t testing.TB, env ...string) *instance {
	t.Helper()
	return start(t, "", nil, env...)
}

// restart starts a new supervisor on the directories of one that ended.
func (in *instance) restart(env ...string) *instance {
	in.t.Helper()
	return startIn(in.t, in.dist, in.dir, nil, env...)
}

// startDist starts the supervisor, as startSupervisor does, on the given
// distribution.
func startDist(t testing.TB, dist string, env ...string) *instance {
	t.Helper()
	return startIn(t, dist, "", nil, env...)
}

// startAsPID1 starts the supervisor as PID 1 of a new PID namespace, as a
// container runtime would.
func startAsPID1(t testing.TB, env ...string) *instance {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed to run the supervisor as PID 1")
	}
	return start(t, "", unshare, env...)
}

// start starts the supervisor, wrapped in the wrap command if any, in dir
// (a new one when empty).
func start(t testing.TB, dir string, wrap []string, env ...string) *instance {
	t.Helper()
	return startIn(t, kafkaDist(t), dir, wrap, env...)
}

// startIn starts the supervisor of start on the given distribution.
func startIn(t testing.TB, dist, dir string, wrap []string, env ...string) *instance {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
		copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	}
	in := &instance{
		t: t, dist: dist, dir: dir, logs: &logBuffer{}, done: make(chan struct{}),
		httpAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		zkPort:   freePort(t),
	}
	kafkaPort := freePort(t)
	in.kafkaAddr = fmt.Sprintf("127.0.0.1:%d", kafkaPort)
	argv := append(append([]string(nil), wrap...), binary)
	in.cmd = exec.Command(argv[0], argv[1:]...)
	in.cmd.Env = append(os.Environ(),
		"KAFKA_HOME="+dist,
		"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
		"SUPERVISOR_HTTP_ADDR="+in.httpAddr,
		"ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(in.zkPort),
		"KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:"+strconv.Itoa(in.zkPort),
		"KAFKA_PORT="+strconv.Itoa(kafkaPort),
		"KAFKA_HEAP_OPTS=-Xmx512M -Xms128M",
	)
	in.launch(in.httpAddr, env)
	return in
}

// launch starts in.cmd with env last (it wins), collects its exit code
// into in.done, and kills it, and whatever it left, when the test ends.
// Killing the PID 1 of a namespace (unshare --kill-child) ends the rest.
func (in *instance) launch(where string, env []string) {
	in.t.Helper()
	in.cmd.Env = append(in.cmd.Env, env...)
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	go func() {
		err := in.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			in.exitCode = exit.ExitCode()
		}
		close(in.done)
	}()
	in.t.Cleanup(func() {
		in.cmd.Process.Kill()
		<-in.done
		killLeftovers(in.dir)
		if in.t.Failed() {
			in.t.Logf("supervisor at %s output:\n%s", where, in.logs)
		}
	})
}

// wait returns the supervisor's exit code once it ends, failing after d.
func (in *instance) wait(d time.Duration) int {
	in.t.Helper()
	select {
	case <-in.done:
		return in.exitCode
	case <-time.After(d):
		in.t.Fatalf("supervisor still running after %s", d)
		return -1
	}
}

// probe returns the status code and body of path, or 0 when nothing answers.
func (in *instance) probe(path string) (int, string) {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get("http://" + in.httpAddr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// waitProbe waits until path answers code with body, failing after d or at exit.
func (in *instance) waitProbe(path string, code int, body string, d time.Duration) {
	in.t.Helper()
	deadline := time.After(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		haveCode, haveBody := in.probe(path)
		if haveCode == code && haveBody == body {
			return
		}
		select {
		case <-deadline:
			in.t.Fatalf("%s: want %d %q within %s, have %d %q", path, code, body, d, haveCode, haveBody)
		case <-in.done:
			in.t.Fatalf("supervisor exited (code %d) while waiting for %s", in.exitCode, path)
		case <-tick.C:
		}
	}
}

// waitLog waits until the output matches re, failing after d or at exit.
func (in *instance) waitLog(re string, d time.Duration) []string {
	in.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := rx.FindStringSubmatch(in.logs.String()); m != nil {
			return m
		}
		select {
		case <-deadline:
			in.t.Fatalf("no log line matching %q after %s", re, d)
		case <-in.done:
			if m := rx.FindStringSubmatch(in.logs.String()); m != nil {
				return m
			}
			in.t.Fatalf("supervisor exited (code %d) before a log line matched %q", in.exitCode, re)
		case <-tick.C:
		}
	}
}

// childPid reads a child's pid from the supervisor's "started" line.
func (in *instance) childPid(name string) int {
	in.t.Helper()
	m := in.waitLog(`started: child=`+name+` pid=(\d+)`, time.Minute)
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// signal signals the supervisor (the namespace's PID 1 when wrapped).
func (in *instance) signal(sig syscall.Signal) {
	in.t.Helper()
	if err := syscall.Kill(in.supervisorPid(), sig); err != nil {
		in.t.Fatal(err)
	}
}

// supervisorPid is the supervisor's pid as seen from the test: the
// process started, or the child unshare forked into the new namespace
// (ip netns exec runs unshare in its own process).
func (in *instance) supervisorPid() int {
	in.t.Helper()
	if in.cmd.Path == binary {
		return in.cmd.Process.Pid
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", in.cmd.Process.Pid, in.cmd.Process.Pid))
		if f := strings.Fields(string(b)); len(f) > 0 {
			pid, _ := strconv.Atoi(f[0])
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	in.t.Fatal("unshare forked no child")
	return 0
}

// run runs a distribution tool with stdin, failing the test on error.
func (in *instance) run(ctx context.Context, stdin string, tool string, args ...string) string {
	in.t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(in.dist, "bin", tool), args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "KAFKA_HEAP_OPTS=-Xmx256M", "LOG_DIR="+filepath.Join(in.dir, "tool-logs"))
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			in.t.Fatalf("%s: %v\n%s", tool, err, exit.Stderr)
		}
		in.t.Fatalf("%s: %v", tool, err)
	}
	return string(out)
}

// processesUnder lists the pids whose command line mentions dir.
func processesUnder(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killLeftovers kills what a failed test left running.
func killLeftovers(dir string) {
	for _, pid := range processesUnder(dir) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// missing fails the test when CI must run it (CI=true), and skips it
// otherwise: what it needs is not there.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI needs this test to run: "+format, args...)
	}
	t.Skipf(format, args...)
}

// pod is a network namespace with an address of its own on a bridge, as
// a Kubernetes pod has on the pod network.
type pod struct {
	ns   string // the network namespace
	addr string // the pod's IPv4 address
}

// podNetwork makes n pods on a bridge of their own, which the test's
// namespace reaches through an address on the bridge: pods reach each
// other, and the test reaches them, by address. Names carry the test's
// pid, and the /24 is one that no interface here uses; all of it is
// removed when the test ends, failed or not. It needs root and iproute2.
func podNetwork(t *testing.T, n int) []pod {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing(t, "network namespaces need ip (iproute2): %v", err)
	}
	ip := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		return nil
	}
	cleanup := func(args ...string) {
		t.Cleanup(func() {
			if err := ip(args...); err != nil {
				t.Errorf("clean up: %v", err)
			}
		})
	}
	subnet := freeSubnet(t)
	// Names are at most 15 bytes, and new for each call: the kernel frees
	// a deleted namespace's veth pair later, so a second network made
	// right after the first (TestKRaftQuorum's subtests) could meet its
	// names still in use ("RTNETLINK answers: File exists").
	prefix := fmt.Sprintf("k%06x", rand.Uint32()&0xffffff)
	bridge := prefix + "b"
	if err := ip("link", "add", bridge, "type", "bridge"); err != nil {
		missing(t, "cannot make a bridge: %v", err)
	}
	cleanup("link", "del", bridge)
	for _, args := range [][]string{{"addr", "add", subnet + ".1/24", "dev", bridge}, {"link", "set", bridge, "up"}} {
		if err := ip(args...); err != nil {
			t.Fatal(err)
		}
	}
	pods := make([]pod, n)
	for i := range pods {
		p := pod{ns: fmt.Sprintf("%s-pod%d", prefix, i), addr: fmt.Sprintf("%s.%d", subnet, 11+i)}
		if err := ip("netns", "add", p.ns); err != nil {
			missing(t, "cannot make a network namespace: %v", err)
		}
		cleanup("netns", "del", p.ns) // takes the veth pair with it
		veth := fmt.Sprintf("%sv%d", prefix, i)
		for _, args := range [][]string{
			{"link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", p.ns},
			{"link", "set", veth, "master", bridge, "up"},
			{"-n", p.ns, "addr", "add", p.addr + "/24", "dev", "eth0"},
			{"-n", p.ns, "link", "set", "eth0", "up"},
			{"-n", p.ns, "link", "set", "lo", "up"},
		} {
			if err := ip(args...); err != nil {
				t.Fatal(err)
			}
		}
		pods[i] = p
	}
	return pods
}

// freeSubnet picks a 10.233.x.0/24 that no address or route here is in,
// starting from one the test's pid gives, so that runs side by side differ.
func freeSubnet(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "ip -4 -o addr; ip -4 route").CombinedOutput()
	if err != nil {
		t.Fatalf("list addresses: %v: %s", err, out)
	}
	for i := range 200 {
		subnet := fmt.Sprintf("10.233.%d", 20+(os.Getpid()+i)%200)
		if !bytes.Contains(out, []byte(subnet+".")) {
			return subnet
		}
	}
	t.Fatal("no free 10.233.x.0/24")
	return ""
}

// startInPod starts the supervisor as a container of the pod would run:
// PID 1 of a new PID namespace, in the pod's network namespace, with a
// copy of the distribution's configuration and a data directory of its
// own. Its health endpoint listens on httpPort; env comes last and wins.
func startInPod(t *testing.T, p pod, httpPort int, env ...string) *instance {
	t.Helper()
	dist := kafkaDist(t)
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	in := &instance{
		t: t, dist: dist, dir: dir, logs: &logBuffer{}, done: make(chan struct{}),
		httpAddr: net.JoinHostPort(p.addr, strconv.Itoa(httpPort)),
	}
	in.cmd = exec.Command("ip", "netns", "exec", p.ns, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", binary)
	in.cmd.Env = append(os.Environ(),
		"KAFKA_HOME="+dist,
		"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
		"SUPERVISOR_HTTP_ADDR=:"+strconv.Itoa(httpPort),
	)
	in.launch(p.ns+" "+in.httpAddr, env)
	return in
}
