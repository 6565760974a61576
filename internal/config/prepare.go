package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// rendered is one effective properties file: its base, changed in memory.
type rendered struct {
	name    string // ServerFile or ZooKeeperFile
	base    string // the path it was read from
	file    *props.File
	changes []change   // what the supervisor set, in order
	removed []props.KV // what it took out of the base, with the base's value
}

// change is one property the supervisor set, with its value in the base.
type change struct {
	props.KV
	base   string
	inBase bool
}

// Check finds what a start would refuse once the values are good, and
// changes nothing on disk: a port something else listens on, or a
// directory the supervisor cannot create or write in. `supervisor check`
// and a start both call it, so that they refuse alike.
func (c *Config) Check() error {
	if err := c.CheckBinds(); err != nil {
		return err
	}
	for _, d := range c.dirs() {
		if err := checkDir(d); err != nil {
			return err
		}
	}
	return nil
}

// Prepare creates the directories, checks that they are writable, writes
// ZooKeeper's myid and writes the effective files to RunDir. It is the only
// step of Load's result that changes the disk; it never writes ConfigDir,
// and it is safe to repeat.
func (c *Config) Prepare() error {
	if c.JavaTmpDir != "" {
		// The broker's alone, emptied at each start: what a killed JVM
		// left there is of no use to the next.
		if err := os.RemoveAll(c.JavaTmpDir); err != nil {
			return &Error{Var: "SUPERVISOR_DATA_DIR", Msg: fmt.Sprintf("cannot empty %s: %v", c.JavaTmpDir, err), Want: "a writable directory"}
		}
	}
	for _, d := range c.dirs() {
		if err := makeDir(d); err != nil {
			return err
		}
	}
	if c.Role.RunsZooKeeper() && c.MyID > 0 {
		if err := c.writeMyID(); err != nil {
			return err
		}
	}
	for _, f := range c.files {
		// Owner only: the file may hold passwords from the environment.
		if err := props.WriteAtomic(filepath.Join(c.RunDir, f.name), f.file.Bytes(), 0o600); err != nil {
			return &Error{Var: "SUPERVISOR_RUN_DIR", Msg: fmt.Sprintf("cannot write %s: %v", f.name, errors.Unwrap(err)), Want: "a writable directory"}
		}
	}
	return nil
}

// dir is a directory a start creates and writes in, with the variable
// that named it: SUPERVISOR_DATA_DIR when it is that one's default.
type dir struct {
	Var, Path string
}

// dirs lists the directories a start creates, for the roles it runs.
func (c *Config) dirs() []dir {
	named := func(v, path, sub string) dir {
		if path == filepath.Join(c.DataDir, sub) {
			v = "SUPERVISOR_DATA_DIR"
		}
		return dir{v, path}
	}
	out := []dir{named("SUPERVISOR_RUN_DIR", c.RunDir, "run"), named("LOG_DIR", c.LogDir, "logs")}
	if c.JavaTmpDir != "" && c.Role.RunsKafka() {
		out = append(out, dir{"SUPERVISOR_DATA_DIR", c.JavaTmpDir})
	}
	if c.Role.RunsZooKeeper() {
		out = append(out, named("ZOOKEEPER_DATA_DIR", c.ZooKeeperDataDir, "zookeeper"))
	}
	if c.Role.RunsKafka() {
		for _, d := range c.KafkaDataDirs {
			out = append(out, named("KAFKA_LOG_DIRS", d, "kafka"))
		}
	}
	return out
}

// checkDir tells, without creating anything, whether d can be created and
// written in: d, or the nearest of its parents that exists, must be a
// directory the supervisor may write in. access(2) answers for the
// supervisor's own user and also refuses root on a read-only file system
// (EROFS), where a look at the permission bits would pass.
func checkDir(d dir) error {
	at := filepath.Clean(d.Path)
	for {
		info, err := os.Stat(at)
		switch {
		case err == nil && !info.IsDir():
			return d.refuse(at, syscall.ENOTDIR)
		case err == nil:
			if err := unix.Access(at, unix.W_OK|unix.X_OK); err != nil {
				return d.refuse(at, err)
			}
			return nil
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return d.refuse(at, unwrapPath(err))
		}
		parent := filepath.Dir(at)
		if parent == at {
			return d.refuse(at, unwrapPath(err))
		}
		at = parent
	}
}

// makeDir creates d and proves a file can be made in it.
func makeDir(d dir) error {
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return d.refuse(pathErr.Path, pathErr.Err)
		}
		return d.refuse(d.Path, err)
	}
	f, err := os.CreateTemp(d.Path, ".supervisor-probe-*")
	if err != nil {
		return d.refuse(d.Path, unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// refuse words the error about d that err at the path at gives, alike for
// check and a start: "cannot write in <dir>: <why>", or "cannot create
// <dir>: <parent>: <why>" when a parent is the obstacle.
func (d dir) refuse(at string, err error) error {
	msg := fmt.Sprintf("cannot write in %s: %v", d.Path, err)
	if filepath.Clean(at) != filepath.Clean(d.Path) {
		msg = fmt.Sprintf("cannot create %s: %s: %v", d.Path, at, err)
	}
	return &Error{Var: d.Var, Msg: msg, Want: "a writable directory"}
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// messages name themselves.
func unwrapPath(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// checkRunDir refuses a run directory that would be the base itself, or
// inside a Kafka log directory, where the broker takes every directory
// for a partition and refuses to start on one named otherwise.
func (c *Config) checkRunDir() error {
	const want = "an absolute path outside SUPERVISOR_CONFIG_DIR and the Kafka log directories"
	if !filepath.IsAbs(c.RunDir) {
		return &Error{"SUPERVISOR_RUN_DIR", fmt.Sprintf("%q is not absolute", c.RunDir), want}
	}
	if base, err := filepath.Abs(c.ConfigDir); err == nil && base == filepath.Clean(c.RunDir) {
		return &Error{"SUPERVISOR_RUN_DIR", fmt.Sprintf("%s is SUPERVISOR_CONFIG_DIR, which is only read", c.RunDir), want}
	}
	if !c.Role.RunsKafka() {
		return nil
	}
	for _, d := range c.KafkaDataDirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(abs, c.RunDir); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return &Error{"SUPERVISOR_RUN_DIR", fmt.Sprintf("%s is inside the Kafka log directory %s", c.RunDir, d), want}
		}
	}
	return nil
}
