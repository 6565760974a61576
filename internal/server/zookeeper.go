package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/zkwait"
)

// ZooKeeperOptions configure a ZooKeeper.
type ZooKeeperOptions struct {
	Reaper       *proc.Reaper
	KafkaHome    string
	ConfigFile   string
	Env          []string
	Servers      []string // where it serves, to wait for a session
	StartTimeout time.Duration
	StopTimeout  time.Duration
	Log          hclog.Logger // the supervisor's own lines
	Output       hclog.Logger // the child's output
	Health       *health.State
	// Last says no Kafka follows: serving ZooKeeper is the ready state.
	Last bool
}

// ZooKeeper runs zookeeper-server-start.sh and tells when it serves.
type ZooKeeper struct {
	opts  ZooKeeperOptions
	sup   *supervised
	ready chan struct{}
	ctx   context.Context
	stop  context.CancelFunc
}

// NewZooKeeper returns a ZooKeeper that Run starts.
func NewZooKeeper(o ZooKeeperOptions) *ZooKeeper {
	ctx, cancel := context.WithCancel(context.Background())
	return &ZooKeeper{
		opts: o,
		sup: &supervised{reaper: o.Reaper, grace: o.StopTimeout, log: o.Log, spec: proc.Spec{
			Name: "zookeeper",
			Path: filepath.Join(o.KafkaHome, "bin", "zookeeper-server-start.sh"),
			Args: []string{o.ConfigFile},
			Env:  o.Env,
			Log:  o.Output,
		}},
		ready: make(chan struct{}),
		ctx:   ctx,
		stop:  cancel,
	}
}

// Ready is closed once ZooKeeper serves sessions.
func (z *ZooKeeper) Ready() <-chan struct{} { return z.ready }

// Run starts ZooKeeper, waits until it serves, then until it ends. It
// returns nil when Stop ended it, and an error saying how otherwise.
func (z *ZooKeeper) Run() error {
	t0 := time.Now()
	z.opts.Log.Info("starting", "phase", "zookeeper")
	child, err := z.sup.start()
	if errors.Is(err, errStopping) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("zookeeper: %w", err)
	}
	z.opts.Health.SetPhase(health.WaitingZooKeeper)
	wctx, cancel := watch(z.ctx, child, z.opts.StartTimeout, "zookeeper start")
	conn, err := zkwait.Wait(wctx, z.opts.Servers, z.opts.Log)
	cancel()
	if err != nil {
		if z.sup.isStopping() {
			return z.sup.exited(child)
		}
		var exit *proc.ExitError
		if errors.As(err, &exit) {
			return exit
		}
		z.sup.stop()
		return fmt.Errorf("zookeeper: %w", err)
	}
	conn.Close()
	z.opts.Log.Info("ready", "phase", "zookeeper", "took", since(t0))
	close(z.ready)
	if z.opts.Last {
		z.opts.Health.SetPhase(health.Ready)
	}
	return z.sup.exited(child)
}

// Stop stops ZooKeeper and returns once it is reaped.
func (z *ZooKeeper) Stop() {
	z.stop()
	z.sup.stop()
}

// Killed reports whether the stop needed SIGKILL.
func (z *ZooKeeper) Killed() bool { return z.sup.Killed() }
