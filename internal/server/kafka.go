package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/go-zookeeper/zk"
	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/broker"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
	"github.com/kafka-on-kubernetes/supervisor/internal/zkwait"
)

// KafkaOptions configure a Kafka.
type KafkaOptions struct {
	Common
	ConfigFile string
	Env        []string     // the child's environment
	Output     hclog.Logger // the child's output
	// ZooKeeperReady, when set, is closed once the local ZooKeeper serves;
	// the broker starts only then.
	ZooKeeperReady <-chan struct{}
	ZooKeeper      []string // zookeeper.connect's host:port pairs
	Chroot         string   // zookeeper.connect's chroot, or ""
	BrokerID       int
	Bootstrap      string // where the supervisor reaches the broker
	Version        sarama.KafkaVersion
	Topics         []topics.Spec
	// KRaft, when set, makes this a combined KRaft node: no ZooKeeper,
	// BrokerID is its node.id.
	KRaft *KRaftOptions
}

// Kafka runs kafka-server-start.sh, waits until the broker is registered
// and answers metadata, creates the topics, and marks the supervisor ready.
type Kafka struct {
	*supervised
	opts KafkaOptions
}

// NewKafka returns a Kafka that Run starts.
// A KRaft controller apart is named "controller" in its log lines and
// in /readyz, every other node "kafka".
func NewKafka(o KafkaOptions) *Kafka {
	name := "kafka"
	if o.KRaft != nil && o.KRaft.Controller != "" {
		name = "controller"
	}
	return &Kafka{
		supervised: newSupervised(o.Common, name, "kafka-server-start.sh", o.ConfigFile, o.Env, o.Output),
		opts:       o,
	}
}

// Run waits for ZooKeeper, starts the broker, bootstraps it and then waits
// until it ends, and starts it again as the restart policy says. It returns
// nil when Stop ended it.
func (k *Kafka) Run() error { return k.supervise(k.runOnce) }

func (k *Kafka) runOnce(restart int) error {
	o := k.opts
	if o.KRaft != nil {
		return k.runKRaft(restart)
	}
	t0 := time.Now()
	if o.ZooKeeperReady != nil {
		select {
		case <-o.ZooKeeperReady:
		case <-k.ctx.Done():
			return nil
		}
	}
	// The broker's registration is watched through a session of our own.
	phase := k.phaseSetter(restart)
	phase(health.WaitingZooKeeper)
	zctx, cancel := context.WithTimeout(k.ctx, k.StartTimeout)
	conn, err := zkwait.Wait(zctx, o.ZooKeeper, k.Log)
	cancel()
	if err != nil {
		if k.isStopping() {
			return nil
		}
		return fmt.Errorf("kafka: %w", err)
	}
	defer conn.Close()
	if o.ZooKeeperReady == nil {
		k.Log.Info("ready", "phase", "zookeeper", "took", since(t0))
	}

	// Waited for within the start timeout, as the phases that follow.
	rctx, rcancel := context.WithTimeoutCause(k.ctx, k.StartTimeout,
		fmt.Errorf("broker %d still registered by an earlier session after %s (SUPERVISOR_START_TIMEOUT)", o.BrokerID, k.StartTimeout))
	err = broker.WaitUnregistered(rctx, conn, o.Chroot, o.BrokerID, func(path string, stat *zk.Stat) {
		k.Log.Warn("waiting for an earlier registration of this broker id to expire", "path", path,
			"session", fmt.Sprintf("0x%x", stat.EphemeralOwner))
	})
	rcancel()
	if err != nil {
		if k.isStopping() {
			return nil
		}
		return fmt.Errorf("kafka: %w", err)
	}

	// Role kafka: the ZooKeeper the broker depends on is another's, and
	// is watched after ready through the session the start waited with,
	// which role all closes once the broker is bootstrapped.
	var remotes []remote
	if o.ZooKeeperReady == nil {
		remotes = append(remotes, remote{"zookeeper", func(ctx context.Context) error { return zkwait.Answers(ctx, conn) }})
	}
	return k.launch(health.WaitingKafka, phase, t0, func(ctx context.Context) error {
		if remotes == nil {
			defer conn.Close()
		}
		return k.bootstrap(ctx, conn, phase)
	}, broker.NewChecker(o.Bootstrap, o.Version, k.Checks.Period), remotes...)
}

// phaseSetter returns what sets the start phase: only on the first start,
// since a restart keeps the phase and /readyz names the child that is down.
func (k *Kafka) phaseSetter(restart int) func(health.Phase) {
	return func(p health.Phase) {
		if restart == 0 {
			k.Health.SetPhase(p)
		}
	}
}

// checker asks a ready server whether it still answers (package watch).
type checker interface {
	Check(context.Context) error
	Close()
}

// launch starts the node, sets the phase waiting, and runs ready within
// the child's lifetime; once ready returns nil it marks the node ready and
// asks c, and the servers it depends on, until the node ends.
func (k *Kafka) launch(waiting health.Phase, phase func(health.Phase), t0 time.Time, ready func(context.Context) error, c checker, remotes ...remote) error {
	defer c.Close()
	child, err := k.start()
	if errors.Is(err, errStopping) {
		return nil
	}
	if err != nil {
		return err
	}
	phase(waiting)
	wctx, cancel := k.watch(child)
	defer cancel()
	if err := ready(wctx); err != nil {
		return k.failed(child, err)
	}
	k.Health.Up(k.spec.Name)
	k.Health.SetPhase(health.Ready)
	k.Log.Info("ready", "phase", "all", "took", since(t0))
	return k.serve(child, c.Check, remotes...)
}

// bootstrap waits for the broker to be ready and creates the topics.
func (k *Kafka) bootstrap(ctx context.Context, conn *zk.Conn, phase func(health.Phase)) error {
	o := k.opts
	t0 := time.Now()
	reg, err := broker.WaitRegistered(ctx, conn, o.Chroot, o.BrokerID)
	if err != nil {
		return err
	}
	k.Log.Debug("broker registered", "id", o.BrokerID, "addr", reg.Addr(), "format", reg.Version)
	cfg := broker.Config(o.Version)
	var cluster topics.Cluster
	if o.Version.IsAtLeast(sarama.V0_10_1_0) {
		client, err := broker.Connect(ctx, o.Bootstrap, o.BrokerID, cfg)
		if err != nil {
			return err
		}
		defer client.Close()
		cluster = topics.NewAdmin(client)
	} else {
		// Before 0.10.1 there is no topic API, topics are made in
		// ZooKeeper, and before 0.10 metadata lists no broker until a
		// topic exists.
		b, err := broker.Ping(ctx, o.Bootstrap, cfg)
		if err != nil {
			return err
		}
		defer b.Close()
		cluster = topics.NewZooKeeper(conn, o.Chroot, b, o.Version)
	}
	k.Log.Info("ready", "phase", "kafka", "took", since(t0))
	return k.createTopics(ctx, cluster, phase)
}

// createTopics reconciles the topics asked for, if any, on a broker that
// answers.
func (k *Kafka) createTopics(ctx context.Context, cluster topics.Cluster, phase func(health.Phase)) error {
	if len(k.opts.Topics) == 0 {
		return nil
	}
	t0 := time.Now()
	phase(health.CreatingTopics)
	if err := topics.Reconcile(ctx, cluster, k.opts.Topics, k.Log); err != nil {
		return err
	}
	k.Log.Info("ready", "phase", "topics", "topics", len(k.opts.Topics), "took", since(t0))
	return nil
}
