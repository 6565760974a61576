package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Reaper owns every wait4 call of the process. It hands each child's exit
// status to the Child that started it and reaps orphans re-parented to it.
type Reaper struct {
	log hclog.Logger

	mu      sync.Mutex
	waiting map[int]chan Status // live children by pid
}

// NewReaper returns a Reaper. Call Run before starting children.
func NewReaper(log hclog.Logger) *Reaper {
	return &Reaper{log: log, waiting: make(map[int]chan Status)}
}

// Run reaps children until ctx ends. When the process is not PID 1 it first
// makes itself a child subreaper, so that orphans of its children come to it
// rather than to the host's init.
func (r *Reaper) Run(ctx context.Context) {
	if os.Getpid() != 1 {
		if err := becomeSubreaper(); err != nil {
			r.log.Warn("not PID 1 and cannot become a subreaper: orphans will be reaped by the host", "error", err)
		}
	}
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	defer signal.Stop(sigchld)
	// SIGCHLDs merge, and one may come before Notify: the ticker is a safety net.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		r.reap()
		select {
		case <-ctx.Done():
			return
		case <-sigchld:
		case <-tick.C:
		}
	}
}

// reap collects every child that has exited. It holds the lock so that a
// child is always registered before its exit can be collected.
//
// A child of ours is looked at before it is reaped: while it is a zombie its
// pid, which is also its process group's id, belongs to no other process,
// so killing the group then reaches only what the child left behind in it,
// never a group that took over a reused pid.
func (r *Reaper) reap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reapLocked()
}

// reapLocked is reap with the lock held.
func (r *Reaper) reapLocked() {
	for {
		pid, err := exited()
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, errors.ErrUnsupported) {
			pid = -1 // reap whichever child ended, unseen
		} else if err != nil || pid <= 0 {
			return
		}
		if _, ours := r.waiting[pid]; ours {
			// A group outlives no leader: a launcher script's JVM or a
			// daemon it forked goes with it.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		var ws syscall.WaitStatus
		pid, err = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		st := statusOf(ws)
		if ch, ok := r.waiting[pid]; ok {
			delete(r.waiting, pid)
			ch <- st
			continue
		}
		r.log.Debug("reaped orphan", "pid", pid, "status", st.String())
	}
}

// SignalAll sends sig to the process group of every live child.
func (r *Reaper) SignalAll(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid := range r.waiting {
		_ = syscall.Kill(-pid, sig)
	}
}

// signalGroup sends sig to the group of the child pid, unless it has been
// reaped: under the lock, a registered pid is at worst a zombie, which
// still holds its group id.
func (r *Reaper) signalGroup(pid int, sig syscall.Signal) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.waiting[pid]; !ok {
		return nil
	}
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// KillRemaining kills every process still a child of the supervisor (its
// own children, and orphans re-parented to it, which stand for all their
// descendants) and returns their pids. Called once the servers are stopped,
// it finds what they left behind; the reaper collects them. A process
// already dead or dying (killed with its group a moment ago) is not counted.
func (r *Reaper) KillRemaining() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reapLocked()
	var pids []int
	// Orphans come to any thread of the process; each lists its own.
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(field)
			if err != nil || leaving(pid) {
				continue
			}
			// Not yet reaped, so the pid is still this child's.
			_ = syscall.Kill(pid, syscall.SIGKILL)
			pids = append(pids, pid)
		}
	}
	return pids
}

// pfExiting is the kernel's PF_EXITING task flag: the task is in exit.
const pfExiting = 0x4

// sigkillBit is SIGKILL in /proc/<pid>/status's hexadecimal signal masks.
const sigkillBit = 1 << (syscall.SIGKILL - 1)

// leaving reports whether pid is a zombie, is exiting, or has a SIGKILL
// pending, that is whether it ends without anything more being done.
func leaving(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone already
	}
	// After the command name, which may hold spaces: state, then flags
	// is the seventh field.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(f) < 7 || f[0] == "Z" || f[0] == "X" {
		return true
	}
	if flags, err := strconv.ParseUint(f[6], 10, 64); err == nil && flags&pfExiting != 0 {
		return true
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, mask, ok := strings.Cut(line, ":")
		if !ok || name != "SigPnd" && name != "ShdPnd" {
			continue
		}
		if m, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64); err == nil && m&sigkillBit != 0 {
			return true
		}
	}
	return false
}

// start starts a process and registers it under the reaping lock.
func (r *Reaper) start(path string, argv []string, attr *os.ProcAttr) (int, <-chan Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, err := os.StartProcess(path, argv, attr)
	if err != nil {
		return 0, nil, err
	}
	pid := p.Pid
	// The Reaper, not os.Process.Wait, collects this child.
	_ = p.Release()
	ch := make(chan Status, 1)
	r.waiting[pid] = ch
	return pid, ch, nil
}

// Status is how a child ended.
type Status struct {
	// Code is the exit code, or -1 when a signal ended the child.
	Code int
	// Signal is the signal that ended the child, or 0.
	Signal syscall.Signal
}

func statusOf(ws syscall.WaitStatus) Status {
	if ws.Signaled() {
		return Status{Code: -1, Signal: ws.Signal()}
	}
	return Status{Code: ws.ExitStatus()}
}

// ExitCode is the code a shell would report: the exit code, or 128+signal.
func (s Status) ExitCode() int {
	if s.Signal != 0 {
		return 128 + int(s.Signal)
	}
	return s.Code
}

// String describes the status as "exit code 3" or "signal killed".
func (s Status) String() string {
	if s.Signal != 0 {
		return fmt.Sprintf("signal %s", s.Signal)
	}
	return fmt.Sprintf("exit code %d", s.Code)
}
