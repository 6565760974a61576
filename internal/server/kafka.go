package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/IBM/sarama"
	"github.com/go-zookeeper/zk"
	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/broker"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
	"github.com/kafka-on-kubernetes/supervisor/internal/zkwait"
)

// KafkaOptions configure a Kafka.
type KafkaOptions struct {
	Reaper     *proc.Reaper
	KafkaHome  string
	ConfigFile string
	Env        []string
	// ZooKeeperReady, when set, is closed once the local ZooKeeper serves;
	// the broker starts only then.
	ZooKeeperReady <-chan struct{}
	ZooKeeper      []string // zookeeper.connect's host:port pairs
	Chroot         string   // zookeeper.connect's chroot, or ""
	BrokerID       int
	Bootstrap      string // where the supervisor reaches the broker
	Version        sarama.KafkaVersion
	Topics         []topics.Spec
	StartTimeout   time.Duration
	StopTimeout    time.Duration
	Log            hclog.Logger // the supervisor's own lines
	Output         hclog.Logger // the child's output
	Health         *health.State
}

// Kafka runs kafka-server-start.sh, waits until the broker is registered
// and answers metadata, creates the topics, and marks the supervisor ready.
type Kafka struct {
	opts KafkaOptions
	sup  *supervised
	ctx  context.Context
	stop context.CancelFunc
}

// NewKafka returns a Kafka that Run starts.
func NewKafka(o KafkaOptions) *Kafka {
	ctx, cancel := context.WithCancel(context.Background())
	return &Kafka{
		opts: o,
		sup: &supervised{reaper: o.Reaper, grace: o.StopTimeout, log: o.Log, spec: proc.Spec{
			Name: "kafka",
			Path: filepath.Join(o.KafkaHome, "bin", "kafka-server-start.sh"),
			Args: []string{o.ConfigFile},
			Env:  o.Env,
			Log:  o.Output,
		}},
		ctx:  ctx,
		stop: cancel,
	}
}

// Run waits for ZooKeeper, starts the broker, bootstraps it and then waits
// until it ends. It returns nil when Stop ended it.
func (k *Kafka) Run() error {
	o := k.opts
	t0 := time.Now()
	if o.ZooKeeperReady != nil {
		select {
		case <-o.ZooKeeperReady:
		case <-k.ctx.Done():
			return nil
		}
	}
	// The broker's registration is watched through a session of our own.
	o.Health.SetPhase(health.WaitingZooKeeper)
	zctx, cancel := context.WithTimeout(k.ctx, o.StartTimeout)
	conn, err := zkwait.Wait(zctx, o.ZooKeeper, o.Log)
	cancel()
	if err != nil {
		if k.sup.isStopping() {
			return nil
		}
		return fmt.Errorf("kafka: %w", err)
	}
	defer conn.Close()
	if o.ZooKeeperReady == nil {
		o.Log.Info("ready", "phase", "zookeeper", "took", since(t0))
	}

	t1 := time.Now()
	o.Log.Info("starting", "phase", "kafka")
	child, err := k.sup.start()
	if errors.Is(err, errStopping) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	o.Health.SetPhase(health.WaitingKafka)
	wctx, cancel := watch(k.ctx, child, o.StartTimeout, "kafka start")
	defer cancel()
	if err := k.bootstrap(wctx, conn, t1); err != nil {
		if k.sup.isStopping() {
			return k.sup.exited(child)
		}
		var exit *proc.ExitError
		if errors.As(err, &exit) {
			return exit
		}
		k.sup.stop()
		return fmt.Errorf("kafka: %w", err)
	}
	conn.Close()
	o.Health.SetPhase(health.Ready)
	o.Log.Info("ready", "phase", "all", "took", since(t0))
	return k.sup.exited(child)
}

// bootstrap waits for the broker to be ready and creates the topics.
func (k *Kafka) bootstrap(ctx context.Context, conn *zk.Conn, t0 time.Time) error {
	o := k.opts
	if err := broker.WaitRegistered(ctx, conn, o.Chroot, o.BrokerID); err != nil {
		return err
	}
	client, err := broker.Connect(ctx, o.Bootstrap, o.BrokerID, broker.Config(o.Version))
	if err != nil {
		return err
	}
	defer client.Close()
	o.Log.Info("ready", "phase", "kafka", "took", since(t0))
	if len(o.Topics) == 0 {
		return nil
	}
	t1 := time.Now()
	o.Health.SetPhase(health.CreatingTopics)
	if err := topics.Ensure(ctx, client, o.Topics, o.Log); err != nil {
		return err
	}
	o.Log.Info("ready", "phase", "topics", "topics", len(o.Topics), "took", since(t1))
	return nil
}

// Stop stops the broker (a controlled shutdown on SIGTERM) and returns once
// it is reaped.
func (k *Kafka) Stop() {
	k.stop()
	k.sup.stop()
}

// Killed reports whether the stop needed SIGKILL.
func (k *Kafka) Killed() bool { return k.sup.Killed() }
