package config

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// WritePlan prints what a start would do: each effective file with what
// the supervisor sets in it compared with the base, and the topics
// created. `supervisor check` shows it. A property is marked "+" when the
// base lacks it (or has it commented out), "~" when it changes the base's
// value, shown after it, and "=" when the base holds that value already.
func (c *Config) WritePlan(w io.Writer) {
	fmt.Fprintf(w, "role: %s\n", c.Role)
	fmt.Fprintf(w, "mode: %s\n", c.Mode)
	if k := c.KRaft; k != nil {
		id := k.ClusterID
		if id == "" {
			id = "(generated at the format)"
		}
		fmt.Fprintf(w, "kraft: node %d, cluster %s\n", k.NodeID, id)
		if len(k.Unformatted) > 0 {
			fmt.Fprintf(w, "format: %s\n", strings.Join(k.Unformatted, ", "))
		}
		if len(k.Scram) > 0 {
			at := "added by the format"
			if len(k.Unformatted) == 0 {
				at = "not added: the storage is formatted (kafka-configs.sh --alter --entity-type users changes them)"
			}
			fmt.Fprintf(w, "scram credentials: %d, %s\n", len(k.Scram), at)
		}
	}
	fmt.Fprintf(w, "kafka home: %s (version %s)\n", c.KafkaHome, c.Version)
	fmt.Fprintf(w, "data dir: %s\n", c.DataDir)
	fmt.Fprintf(w, "health: %s (/livez, /readyz)\n", c.HTTPAddr)
	fmt.Fprintf(w, "restart: %s\n", c.Restart)
	if c.JavaTmpDir != "" && c.Role.RunsKafka() {
		fmt.Fprintf(w, "java.io.tmpdir: %s (%s is not writable)\n", c.JavaTmpDir, systemTmp)
	}
	fmt.Fprintf(w, "timeouts: start %s a phase, stop %s a server\n", c.StartTimeout, c.StopTimeout)
	fmt.Fprintf(w, "checks after ready: every %s; not ready after %d unanswered (within %s); hung after %s\n",
		c.Checks.Period, c.Checks.Failures, c.Checks.Window(), c.Checks.Hang)
	if c.Role.RunsZooKeeper() {
		c.writeFile(w, ZooKeeperFile)
		if c.MyID > 0 {
			fmt.Fprintf(w, "\n%s: %d\n", filepath.Join(c.ZooKeeperDataDir, "myid"), c.MyID)
		}
	}
	if c.Role.RunsKafka() {
		c.writeFile(w, ServerFile)
	}
	if c.Role.IsBroker() {
		fmt.Fprintf(w, "\ntopics:\n")
		if len(c.Topics) == 0 {
			fmt.Fprintf(w, "  (none)\n")
		}
		for _, t := range c.Topics {
			fmt.Fprintf(w, "  %s: partitions=%d replicas=%d", t.Name, t.Partitions, t.Replicas)
			for _, k := range slices.Sorted(maps.Keys(t.Config)) {
				fmt.Fprintf(w, " %s=%s", k, t.Config[k])
			}
			fmt.Fprintln(w)
		}
	}
	for _, name := range c.Ignored {
		fmt.Fprintf(w, "ignored: %s (Kubernetes service link)\n", name)
	}
}

// writeFile prints the effective file named name, compared with its base.
func (c *Config) writeFile(w io.Writer, name string) {
	for _, f := range c.files {
		if f.name != name {
			continue
		}
		fmt.Fprintf(w, "\n%s, from %s:\n", filepath.Join(c.RunDir, f.name), f.base)
		for _, ch := range f.changes {
			switch {
			case !ch.inBase:
				fmt.Fprintf(w, "  + %s=%s\n", ch.Key, ch.Value)
			case ch.base != ch.Value:
				fmt.Fprintf(w, "  ~ %s=%s (base: %s)\n", ch.Key, ch.Value, ch.base)
			default:
				fmt.Fprintf(w, "  = %s=%s\n", ch.Key, ch.Value)
			}
		}
		for _, r := range f.removed {
			fmt.Fprintf(w, "  - %s (base: %s)\n", r.Key, r.Value)
		}
	}
}

// KafkaEnv is the broker's environment: the supervisor's, with LOG_DIR,
// and with JavaTmpDir added to KAFKA_OPTS when it is set.
func (c *Config) KafkaEnv() []string {
	env := append(append([]string(nil), c.Env...), "LOG_DIR="+c.LogDir)
	if c.JavaTmpDir == "" {
		return env
	}
	tmp := "-Djava.io.tmpdir=" + c.JavaTmpDir
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "KAFKA_OPTS="); ok {
			env[i] = strings.TrimSpace("KAFKA_OPTS=" + v + " " + tmp)
			return env
		}
	}
	return append(env, "KAFKA_OPTS="+tmp)
}

// ZooKeeperEnv is ZooKeeper's environment. Both servers' launch scripts read
// KAFKA_HEAP_OPTS, KAFKA_OPTS and the like: ZooKeeper gets its own from
// ZOOKEEPER_HEAP_OPTS, ZOOKEEPER_OPTS…, never the broker's, so that a heap
// or an agent meant for the broker does not go to ZooKeeper as well.
func (c *Config) ZooKeeperEnv() []string {
	drop := make(map[string]bool)
	var own []string
	for _, v := range launchVars {
		target := "KAFKA_" + v
		if v == "JMX_PORT" {
			target = v
		}
		drop[target] = true
		for _, kv := range c.Env {
			if value, ok := strings.CutPrefix(kv, "ZOOKEEPER_"+v+"="); ok {
				own = append(own, target+"="+value)
			}
		}
	}
	var out []string
	for _, kv := range c.Env {
		if name, _, _ := strings.Cut(kv, "="); !drop[name] {
			out = append(out, kv)
		}
	}
	return append(append(out, own...), "LOG_DIR="+c.LogDir)
}
