package config

import (
	"fmt"
	"io"
	"path/filepath"
)

// WritePlan prints what a start would do: the properties written to each
// file and the topics created. `supervisor check` shows it.
func (c *Config) WritePlan(w io.Writer) {
	fmt.Fprintf(w, "role: %s\n", c.Role)
	fmt.Fprintf(w, "kafka home: %s (version %s)\n", c.KafkaHome, c.Version)
	fmt.Fprintf(w, "data dir: %s\n", c.DataDir)
	fmt.Fprintf(w, "health: %s (/livez, /readyz)\n", c.HTTPAddr)
	if c.Role.RunsZooKeeper() {
		fmt.Fprintf(w, "\n%s:\n", filepath.Join(c.ConfigDir, ZooKeeperFile))
		for _, kv := range c.ZooKeeperProps {
			fmt.Fprintf(w, "  %s=%s\n", kv.Key, kv.Value)
		}
	}
	if c.Role.RunsKafka() {
		fmt.Fprintf(w, "\n%s:\n", filepath.Join(c.ConfigDir, ServerFile))
		for _, kv := range c.KafkaProps {
			fmt.Fprintf(w, "  %s=%s\n", kv.Key, kv.Value)
		}
		fmt.Fprintf(w, "\ntopics:\n")
		if len(c.Topics) == 0 {
			fmt.Fprintf(w, "  (none)\n")
		}
		for _, t := range c.Topics {
			fmt.Fprintf(w, "  %s: partitions=%d replicas=%d", t.Name, t.Partitions, t.Replicas)
			if p, ok := t.Config["cleanup.policy"]; ok {
				fmt.Fprintf(w, " cleanup.policy=%s", p)
			}
			fmt.Fprintln(w)
		}
	}
	for _, ig := range c.Ignored {
		fmt.Fprintf(w, "ignored: %s (%s)\n", ig.Var, ig.Why)
	}
}

// ChildEnv is the children's environment: the supervisor's, with LOG_DIR.
func (c *Config) ChildEnv() []string {
	return append(append([]string(nil), c.Env...), "LOG_DIR="+c.LogDir)
}
