package config

import (
	"fmt"
	"os"
)

// Prepare creates the data directories, checks that they are writable,
// writes ZooKeeper's myid and saves the properties files as Load changed
// them. It is the only step of Load's result that changes the disk, and it
// is safe to repeat.
func (c *Config) Prepare() error {
	dirs := []string{c.LogDir}
	if c.Role.RunsZooKeeper() {
		dirs = append(dirs, c.ZooKeeperDataDir)
	}
	if c.Role.RunsKafka() {
		dirs = append(dirs, c.KafkaDataDirs...)
	}
	for _, dir := range dirs {
		if err := writable(dir); err != nil {
			return err
		}
	}
	if c.Role.RunsZooKeeper() && c.MyID > 0 {
		if err := c.writeMyID(); err != nil {
			return err
		}
	}
	for _, f := range c.files {
		if _, err := f.Save(); err != nil {
			return err
		}
	}
	return nil
}

// writable creates dir and proves a file can be made in it.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &Error{Var: dir, Msg: fmt.Sprintf("cannot create: %v", err), Want: "a writable data directory"}
	}
	f, err := os.CreateTemp(dir, ".supervisor-probe-*")
	if err != nil {
		return &Error{Var: dir, Msg: fmt.Sprintf("not writable: %v", err), Want: "a writable data directory"}
	}
	f.Close()
	return os.Remove(f.Name())
}
