package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-on-kubernetes/supervisor/internal/broker"
	"github.com/kafka-on-kubernetes/supervisor/internal/controller"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/storage"
	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
)

// KRaftOptions configure a KRaft node; KafkaOptions.KRaft is nil for a
// broker on ZooKeeper.
type KRaftOptions struct {
	// Controller, when set, makes this a controller apart, without a
	// broker: the supervisor reaches its controller listener there, and
	// KafkaOptions.Bootstrap is unused. A combined node or a broker apart
	// is waited for and checked through its broker.
	Controller string
	// Voters are the quorum's voters' host:port by node id, as
	// configured (static voters or initial controllers): where a
	// controller apart's check asks the leader it names.
	Voters map[int32]string
	// ClusterID is the cluster's id, or "" to generate one at the format.
	ClusterID string
	// Dirs are the directories the format writes, and Unformatted those
	// of them without meta.properties (config.Load read them).
	Dirs, Unformatted []string
	// Scram are the format's --add-scram arguments, if any.
	Scram []string
	// Quorum are the format's quorum arguments: --standalone,
	// --initial-controllers and the list, --no-initial-controllers, or
	// none (config.KRaft.FormatQuorum).
	Quorum []string
}

// storageTool is the class that formats KRaft storage, in every version
// that has KRaft; the distributions before 4.x have no kafka-storage.sh
// of their own, kafka-run-class.sh runs it in all.
const storageTool = "kafka.tools.StorageTool"

// runKRaft formats the storage on a first start, starts the node, waits
// until its broker is listed in metadata (which needs its controller
// quorum to have a leader and the broker to be registered and unfenced),
// reconciles the topics, and waits until the node ends. A controller
// apart is waited for until its quorum has a leader that answers as one
// and it has caught up (package controller), and then checked for such a
// leader.
func (k *Kafka) runKRaft(restart int) error {
	t0 := time.Now()
	phase := k.phaseSetter(restart)
	if restart == 0 && len(k.opts.KRaft.Unformatted) > 0 {
		phase(health.FormattingStorage)
		if err := k.format(); err != nil {
			if k.isStopping() {
				return nil
			}
			return fmt.Errorf("%s: %w", k.spec.Name, err)
		}
	}
	version := kraftClientVersion(k.opts.Version)
	if addr := k.opts.KRaft.Controller; addr != "" {
		cfg := broker.Config(version)
		return k.launch(health.WaitingLeader, phase, t0, func(ctx context.Context) error {
			t1 := time.Now()
			q, err := controller.Wait(ctx, addr, k.opts.BrokerID, k.opts.KRaft.Voters, cfg)
			if err != nil {
				return err
			}
			k.Log.Info("ready", "phase", "controller", "leader", q.Leader, "took", since(t1))
			return nil
		}, controller.NewChecker(addr, k.opts.BrokerID, k.opts.KRaft.Voters, cfg, k.Checks.Period))
	}
	return k.launch(health.WaitingKRaft, phase, t0, func(ctx context.Context) error {
		return k.bootstrapKRaft(ctx, phase)
	}, broker.NewChecker(k.opts.Bootstrap, version, k.Checks.Period))
}

// format runs the storage tool once as a child, with the cluster id given
// or a new one, and reads meta.properties back: the record, not the tool's
// output, says the storage is formatted. -g (--ignore-formatted) lets it
// format a log directory added beside formatted ones.
func (k *Kafka) format() error {
	o := k.opts
	t0 := time.Now()
	id, generated := o.KRaft.ClusterID, false
	if id == "" {
		var err error
		if id, err = storage.NewClusterID(); err != nil {
			return err
		}
		generated = true
	}
	k.Log.Info("starting", "phase", "format", "cluster_id", id, "generated", generated, "dirs", strings.Join(o.KRaft.Unformatted, ","),
		"scram_credentials", len(o.KRaft.Scram), "quorum", strings.Join(o.KRaft.Quorum, " "))
	args := []string{storageTool, "format", "-t", id, "-c", o.ConfigFile, "-g"}
	for _, s := range o.KRaft.Scram {
		args = append(args, "--add-scram", s)
	}
	args = append(args, o.KRaft.Quorum...)
	c, err := k.Reaper.Start(proc.Spec{
		Name: "kafka-storage",
		Path: filepath.Join(k.KafkaHome, "bin", "kafka-run-class.sh"),
		Args: args,
		Env:  o.Env,
		Log:  o.Output,
	})
	if err != nil {
		return fmt.Errorf("format: %w", err)
	}
	timer := time.NewTimer(k.StartTimeout)
	defer timer.Stop()
	select {
	case <-c.Done():
	case <-k.ctx.Done():
		c.Stop(k.StopTimeout)
		return k.ctx.Err()
	case <-timer.C:
		c.Stop(k.StopTimeout)
		return fmt.Errorf("format took longer than %s (SUPERVISOR_START_TIMEOUT)", k.StartTimeout)
	}
	if st := c.Status(); st.ExitCode() != 0 {
		last := ""
		if tail := c.Tail(); len(tail) > 0 {
			last = ": " + tail[len(tail)-1]
		}
		return fmt.Errorf("format of %s failed with %s%s", strings.Join(o.KRaft.Unformatted, ","), st, last)
	}
	s, err := storage.Inspect(o.KRaft.Dirs, id, o.BrokerID)
	if err != nil {
		return fmt.Errorf("format: %w", err)
	}
	if len(s.Unformatted) > 0 {
		return fmt.Errorf("format exited 0 but wrote no %s in %s", storage.MetaFile, strings.Join(s.Unformatted, ","))
	}
	k.Log.Info("ready", "phase", "format", "cluster_id", id, "took", since(t0))
	return nil
}

// bootstrapKRaft waits until the broker lists itself in metadata, then
// reconciles the topics through the Admin API.
func (k *Kafka) bootstrapKRaft(ctx context.Context, phase func(health.Phase)) error {
	o := k.opts
	t0 := time.Now()
	client, err := broker.Connect(ctx, o.Bootstrap, o.BrokerID, broker.Config(kraftClientVersion(o.Version)))
	if err != nil {
		return err
	}
	defer client.Close()
	k.Log.Info("ready", "phase", "kafka", "took", since(t0))
	return k.createTopics(ctx, topics.NewAdmin(client), phase)
}

// kraftClientVersion is the protocol version the client speaks to a KRaft
// node: the broker's own, up to the newest sarama knows of 4.x's (a 4.x
// broker refuses the requests of clients below 2.1 with EOF, KIP-896).
func kraftClientVersion(v sarama.KafkaVersion) sarama.KafkaVersion {
	if v.IsAtLeast(sarama.V4_0_0_0) {
		return sarama.V4_0_0_0
	}
	return v
}
