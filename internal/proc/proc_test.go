package proc

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// newReaper runs a Reaper for the test's lifetime.
func newReaper(t *testing.T) *Reaper {
	t.Helper()
	r := NewReaper(hclog.NewNullLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func sh(t *testing.T, r *Reaper, script string, log hclog.Logger) *Child {
	t.Helper()
	if log == nil {
		log = hclog.NewNullLogger()
	}
	c, err := r.Start(Spec{Name: "sh", Path: "/bin/sh", Args: []string{"-c", script}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(time.Second) })
	return c
}

func waitDone(t *testing.T, c *Child) Status {
	t.Helper()
	select {
	case <-c.Done():
		return c.Status()
	case <-time.After(10 * time.Second):
		t.Fatal("child not reaped within 10s")
		return Status{}
	}
}

func TestExitStatus(t *testing.T) {
	r := newReaper(t)
	for _, tc := range []struct {
		name     string
		script   string
		want     Status
		wantCode int
		wantText string
	}{
		{"success", "exit 0", Status{Code: 0}, 0, "exit code 0"},
		{"failure", "exit 3", Status{Code: 3}, 3, "exit code 3"},
		{"top code", "exit 255", Status{Code: 255}, 255, "exit code 255"},
		{"killed", "kill -KILL $$", Status{Code: -1, Signal: syscall.SIGKILL}, 137, "signal killed"},
		{"terminated", "kill -TERM $$", Status{Code: -1, Signal: syscall.SIGTERM}, 143, "signal terminated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := waitDone(t, sh(t, r, tc.script, nil))
			if want, have := tc.want, st; want != have {
				t.Errorf("status: want %+v, have %+v", want, have)
			}
			if want, have := tc.wantCode, st.ExitCode(); want != have {
				t.Errorf("exit code: want %d, have %d", want, have)
			}
			if want, have := tc.wantText, st.String(); want != have {
				t.Errorf("text: want %q, have %q", want, have)
			}
		})
	}
}

// TestFastExits starts many children that exit at once: each status
// reaches its own Child, none is lost to the reaper.
func TestFastExits(t *testing.T) {
	r := newReaper(t)
	var children []*Child
	for i := range 50 {
		children = append(children, sh(t, r, "exit "+strconv.Itoa(i), nil))
	}
	for i, c := range children {
		if want, have := i, waitDone(t, c).Code; want != have {
			t.Errorf("child %d: want code %d, have %d", i, want, have)
		}
	}
}

func TestOutputAndTail(t *testing.T) {
	r := newReaper(t)
	var out strings.Builder
	log := hclog.New(&hclog.LoggerOptions{Output: &out, Level: hclog.Trace, DisableTime: true})
	c := sh(t, r, `for i in $(seq 1 40); do echo "line $i"; done; echo "[2024-01-01 00:00:00,000] WARN careful (x)" >&2; exit 1`, log.Named("child"))
	waitDone(t, c)
	tail := c.Tail()
	if want, have := tailLines, len(tail); want != have {
		t.Fatalf("tail length: want %d, have %d", want, have)
	}
	joined := strings.Join(tail, "\n") + "\n"
	if !strings.Contains(joined, "line 40\n") || strings.Contains(joined, "line 5\n") {
		t.Errorf("tail should keep the last lines, not the first: %q", tail)
	}
	for _, want := range []string{"[INFO]  child: line 1\n", "[WARN]  child: [2024-01-01 00:00:00,000] WARN careful (x)\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if want, have := "sh exited unexpectedly: exit code 1", c.Exited().Error(); want != have {
		t.Errorf("want %q, have %q", want, have)
	}
}

// TestStopGrace: a child that ends on SIGTERM is not killed; one that
// ignores it is killed after the grace.
func TestStopGrace(t *testing.T) {
	r := newReaper(t)
	polite := sh(t, r, "trap 'exit 0' TERM; echo trapped; while :; do sleep 0.05; done", nil)
	waitLine(t, polite, "trapped")
	if polite.Stop(5 * time.Second) {
		t.Error("a child that exits on SIGTERM was killed")
	}
	if want, have := 0, polite.Status().Code; want != have {
		t.Errorf("polite: want code %d, have %d", want, have)
	}
	stubborn := sh(t, r, "trap '' TERM; echo trapped; while :; do sleep 0.05; done", nil)
	waitLine(t, stubborn, "trapped")
	t0 := time.Now()
	if !stubborn.Stop(300 * time.Millisecond) {
		t.Error("a child that ignores SIGTERM was not killed")
	}
	if took := time.Since(t0); took < 300*time.Millisecond {
		t.Errorf("killed after %s, before the grace", took)
	}
	if want, have := syscall.SIGKILL, stubborn.Status().Signal; want != have {
		t.Errorf("stubborn: want %s, have %s", want, have)
	}
}

// TestStopReachesTheGroup: a launcher that runs its server as a child
// (not exec) still has the server stopped, since the group is signalled.
func TestStopReachesTheGroup(t *testing.T) {
	r := newReaper(t)
	pidFile := t.TempDir() + "/pid"
	c := sh(t, r, "sleep 300 & echo $! > "+pidFile+"; wait", nil)
	var grandchild int
	deadline := time.Now().Add(5 * time.Second)
	for grandchild == 0 && time.Now().Before(deadline) {
		b, _ := os.ReadFile(pidFile)
		grandchild, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		time.Sleep(10 * time.Millisecond)
	}
	if grandchild == 0 {
		t.Fatal("launcher never wrote its child's pid")
	}
	c.Stop(5 * time.Second)
	deadline = time.Now().Add(5 * time.Second)
	for alive(grandchild) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still alive after the stop", grandchild)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLine waits until the child has printed line.
func waitLine(t *testing.T, c *Child, line string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, l := range c.Tail() {
			if l == line {
				return
			}
		}
		select {
		case <-deadline:
			t.Fatalf("no line %q within 10s", line)
		case <-c.Done():
			t.Fatalf("child ended before printing %q", line)
		case <-tick.C:
		}
	}
}

// alive reports whether pid runs and is not a zombie waiting for its reaper.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func TestSignalAfterExitIsHarmless(t *testing.T) {
	r := newReaper(t)
	c := sh(t, r, "exit 0", nil)
	waitDone(t, c)
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("signal after exit: %v", err)
	}
}

// TestLongLine: a line far longer than any buffer is relayed in pieces;
// the child is never blocked on a full pipe.
func TestLongLine(t *testing.T) {
	r := newReaper(t)
	c := sh(t, r, `head -c 2000000 /dev/zero | tr '\0' x; echo; for i in $(seq 1 3000); do echo "after $i"; done`, nil)
	if want, have := 0, waitDone(t, c).Code; want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
	if tail := c.Tail(); len(tail) == 0 || tail[len(tail)-1] != "after 3000" {
		t.Errorf("the lines after the long one were lost: %q", tail)
	}
}

// syncBuffer is an io.Writer safe for the reaper's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOrphansReaped: a launcher that double-forks leaves orphans, which
// come to the reaper (a subreaper here, PID 1 in a container): each is
// reaped and logged at debug level, and no zombie stays.
func TestOrphansReaped(t *testing.T) {
	var out syncBuffer
	r := NewReaper(hclog.New(&hclog.LoggerOptions{Output: &out, Level: hclog.Debug}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	const orphans = 100
	// Each subshell forks a sleep and exits at once: the sleep is orphaned.
	c := sh(t, r, "for i in $(seq 1 "+strconv.Itoa(orphans)+"); do (sleep 0.3 &); done; exit 0", nil)
	if want, have := 0, waitDone(t, c).Code; want != have {
		t.Fatalf("launcher: want code %d, have %d", want, have)
	}
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for strings.Count(out.String(), "[DEBUG] reaped orphan:") < orphans {
		select {
		case <-deadline:
			t.Fatalf("want %d orphans reaped and logged at debug level, have %d",
				orphans, strings.Count(out.String(), "reaped orphan"))
		case <-tick.C:
		}
	}
	if z := zombies(t); len(z) > 0 {
		t.Errorf("zombies left: %v", z)
	}
}

// zombies lists the test process's children that are zombies.
func zombies(t *testing.T) []int {
	t.Helper()
	files, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil || len(files) == 0 {
		t.Fatalf("cannot list children: %v", err)
	}
	var z []int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(field)
			stat, err := os.ReadFile("/proc/" + field + "/stat")
			if err == nil && strings.HasPrefix(string(stat[strings.LastIndexByte(string(stat), ')')+1:]), " Z") {
				z = append(z, pid)
			}
		}
	}
	return z
}

// TestGroupDiesWithLeader: what a child leaves in its process group when
// it ends on its own is killed before the child is reaped, while its pid
// still names the group.
func TestGroupDiesWithLeader(t *testing.T) {
	r := newReaper(t)
	pidFile := t.TempDir() + "/pid"
	c := sh(t, r, "sleep 300 & echo $! > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+"; exit 3", nil)
	if want, have := 3, waitDone(t, c).Code; want != have {
		t.Fatalf("launcher: want code %d, have %d", want, have)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(10 * time.Second)
	for alive(grandchild) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d outlived its group's leader", grandchild)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKillRemaining: a process that left the group (setsid) outlives its
// launcher; KillRemaining finds it, re-parented to the reaper, and kills it.
//
// The launcher exits only once the escaped process has said, through a
// FIFO, that it runs in its own session: before setsid(2) it is still in
// the launcher's group, which is killed when the launcher is reaped.
func TestKillRemaining(t *testing.T) {
	r := newReaper(t)
	dir := t.TempDir()
	fifo, pidFile := dir+"/escaped", dir+"/pid"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// The escaped sleep leaves the child's output pipes, so that the
	// launcher's output ends with it.
	c := sh(t, r, `setsid sh -c 'echo $$ > `+fifo+`; exec sleep 300 >/dev/null 2>&1' & read pid < `+fifo+`; echo $pid > `+pidFile+`; exit 0`, nil)
	waitDone(t, c)
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	escaped, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if !alive(escaped) {
		t.Fatalf("the setsid process %d died with the group; the test proves nothing", escaped)
	}
	if want, have := []int{escaped}, r.KillRemaining(); !slices.Equal(want, have) {
		t.Errorf("remaining: want %v, have %v", want, have)
	}
	// Gone from /proc once the reaper has collected it.
	deadline := time.Now().Add(10 * time.Second)
	for _, err := os.Stat("/proc/" + strconv.Itoa(escaped)); err == nil; _, err = os.Stat("/proc/" + strconv.Itoa(escaped)) {
		if time.Now().After(deadline) {
			t.Fatalf("%d not reaped after KillRemaining", escaped)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if have := r.KillRemaining(); len(have) != 0 {
		t.Errorf("want nothing left, have %v", have)
	}
}

// TestLeaving: a live process is not leaving; a zombie is.
func TestLeaving(t *testing.T) {
	// No Reaper runs here: the test reaps its own children.
	live, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "30"}, &syscall.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(live, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(live, &ws, 0, nil)
	}()
	if leaving(live) {
		t.Errorf("a running sleep is reported leaving")
	}
	zombie, err := syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(zombie) {
		if time.Now().After(deadline) {
			t.Fatal("true never ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !leaving(zombie) {
		t.Errorf("a zombie is not reported leaving")
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(zombie, &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
}
