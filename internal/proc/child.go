package proc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// tailLines is how many of a child's last output lines are kept for errors.
const tailLines = 30

// errorLines is how many of a child's last error lines are kept apart from
// the tail: a server that fails writes its reason, then a stack trace and
// the lines of its shutdown, which push the reason out of the tail. Kafka
// 3.9.1 that fails to start on a full disk writes five: two about the
// checkpoints it could not write, with "No space left on device" between
// them, then the fatal one and its exception.
const errorLines = 5

// Spec says how to start a child.
type Spec struct {
	// Name names the child in errors.
	Name string
	// Path and Args are the program and its arguments (Args without argv[0]).
	Path string
	Args []string
	// Env is the child's whole environment.
	Env []string
	// Log receives each line the child writes, attributed to it.
	Log hclog.Logger
}

// Child is a running or ended child process, leader of its own process group.
type Child struct {
	reaper *Reaper
	name   string
	pid    int
	done   chan struct{} // closed once the output is drained too

	mu     sync.Mutex
	status Status
	tail   []string
	errors []string // the last error lines, without stack frames
}

// Start starts a child in its own process group, its output logged line by
// line through spec.Log. Its stdin is /dev/null.
func (r *Reaper) Start(spec Spec) (*Child, error) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer devnull.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	attr := &os.ProcAttr{
		Env:   spec.Env,
		Files: []*os.File{devnull, outW, errW},
		// Its own group, so that a stop reaches a JVM behind a launcher script.
		Sys: &syscall.SysProcAttr{Setpgid: true},
	}
	pid, exit, err := r.start(spec.Path, append([]string{spec.Path}, spec.Args...), attr)
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	c := &Child{reaper: r, name: spec.Name, pid: pid, done: make(chan struct{})}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); c.copyLines(outR, spec.Log) }()
	go func() { defer readers.Done(); c.copyLines(errR, spec.Log) }()
	go func() {
		st := <-exit
		// A grandchild may hold the pipes open: wait briefly for the last
		// lines, then close them so that the readers end.
		drained := make(chan struct{})
		go func() { readers.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(time.Second):
			outR.Close()
			errR.Close()
			<-drained
		}
		outR.Close()
		errR.Close()
		c.mu.Lock()
		c.status = st
		c.mu.Unlock()
		close(c.done)
	}()
	return c, nil
}

// maxLine is the longest line relayed whole; a longer one is relayed in
// pieces, so that no output can stop the reading and block the child.
const maxLine = 64 * 1024

// copyLines logs each line of r at the level the server gave it, until r
// ends. A log4j line names its level after its date ("[2024-01-01 …] WARN
// …"); a line without one continues the line before (a stack frame, an
// entry of "KafkaConfig values:") and takes that line's level, so that
// a warning's stack trace is shown or hidden with the warning.
func (c *Child) copyLines(r io.Reader, log hclog.Logger) {
	br := bufio.NewReaderSize(r, maxLine)
	level := hclog.Info
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			line := strings.TrimSuffix(string(chunk), "\n")
			if l, ok := levelOf(line); ok {
				level = l
			}
			log.Log(level, line)
			c.mu.Lock()
			c.tail = keepLast(append(c.tail, line), tailLines)
			if level == hclog.Error && !isFrame(line) {
				c.errors = keepLast(append(c.errors, withoutDate(line)), errorLines)
			}
			c.mu.Unlock()
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// log4jLevels maps the levels of log4j's layout to the logger's.
var log4jLevels = map[string]hclog.Level{
	"TRACE": hclog.Trace, "DEBUG": hclog.Debug, "INFO": hclog.Info,
	"WARN": hclog.Warn, "ERROR": hclog.Error, "FATAL": hclog.Error,
}

// levelOf reads the level from a log4j line such as "[2024-01-01 …] WARN …",
// the layout of Kafka's config/log4j.properties ("[%d] %p %m (%c)%n") in
// every version. ok is false for a line without one.
func levelOf(line string) (level hclog.Level, ok bool) {
	if !strings.HasPrefix(line, "[") {
		return hclog.NoLevel, false
	}
	_, rest, found := strings.Cut(line, "] ")
	if !found {
		return hclog.NoLevel, false
	}
	word, _, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
	level, ok = log4jLevels[word]
	return level, ok
}

// keepLast returns the last n of lines.
func keepLast(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}

// isFrame tells a line of a Java stack trace that names a frame ("\tat
// …", "\t... 12 more"), or a blank one: what an error's line and its
// exception ("java.io.IOException: No space left on device", "Caused by:
// …") say is in the other lines.
func isFrame(line string) bool {
	l := strings.TrimLeft(line, " \t")
	return l == "" || strings.HasPrefix(l, "at ") || strings.HasPrefix(l, "... ")
}

// withoutDate drops the date of a log4j line, "[2024-01-01 …] ERROR …",
// which the supervisor's own line repeats.
func withoutDate(line string) string {
	if _, ok := levelOf(line); ok {
		_, rest, _ := strings.Cut(line, "] ")
		return strings.TrimLeft(rest, " ")
	}
	return line
}

// Name is the child's name.
func (c *Child) Name() string { return c.name }

// Pid is the child's process id, which is also its process group id.
func (c *Child) Pid() int { return c.pid }

// Done is closed when the child has been reaped.
func (c *Child) Done() <-chan struct{} { return c.done }

// Status is how the child ended; valid once Done is closed.
func (c *Child) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Tail returns the child's last lines of output.
func (c *Child) Tail() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.tail...)
}

// Errors returns the child's last lines at level ERROR or FATAL, with the
// exceptions they print but not their stack frames, dates dropped: why a
// server gave up, however long its shutdown talked after.
func (c *Child) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// Signal sends sig to the child's process group, unless it has been reaped.
func (c *Child) Signal(sig syscall.Signal) error {
	if err := c.reaper.signalGroup(c.pid, sig); err != nil {
		return fmt.Errorf("signal %s: %w", c.name, err)
	}
	return nil
}

// Stop sends SIGTERM to the child's group, waits up to grace for it to end,
// then sends SIGKILL. It returns once the child is reaped, and reports
// whether the kill was needed. What the child left in its group was killed
// when it was reaped.
func (c *Child) Stop(grace time.Duration) (killed bool) {
	_ = c.Signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		killed = true
		_ = c.Signal(syscall.SIGKILL)
		<-c.done
	}
	return killed
}

// ExitError says that a child ended on its own.
type ExitError struct {
	Name   string
	Status Status
	Tail   []string
	Errors []string // see Child.Errors
}

// Error names the child and its status.
func (e *ExitError) Error() string {
	return fmt.Sprintf("%s exited unexpectedly: %s", e.Name, e.Status)
}

// Reason joins the child's last error lines into one, for a log line,
// or is "" when it printed none.
func (e *ExitError) Reason() string { return strings.Join(e.Errors, " | ") }

// Exited returns the ExitError describing how the child ended.
func (c *Child) Exited() *ExitError {
	return &ExitError{Name: c.name, Status: c.Status(), Tail: c.Tail(), Errors: c.Errors()}
}
