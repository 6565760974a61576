package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/zkwait"
)

// ZooKeeperOptions configure a ZooKeeper.
type ZooKeeperOptions struct {
	Common
	ConfigFile string
	Env        []string     // the child's environment
	Output     hclog.Logger // the child's output
	Servers    []string     // where it serves, to wait until it does
	// Last says no Kafka follows: serving ZooKeeper is the ready state.
	Last bool
	// Ensemble says ZooKeeper is a member of an ensemble: it serves only
	// with a quorum, and is ready only while it is leader or follower.
	Ensemble bool
}

// ZooKeeper runs zookeeper-server-start.sh and tells when it serves.
type ZooKeeper struct {
	*supervised
	opts      ZooKeeperOptions
	ready     chan struct{}
	readyOnce sync.Once
}

// NewZooKeeper returns a ZooKeeper that Run starts.
func NewZooKeeper(o ZooKeeperOptions) *ZooKeeper {
	return &ZooKeeper{
		supervised: newSupervised(o.Common, "zookeeper", "zookeeper-server-start.sh", o.ConfigFile, o.Env, o.Output),
		opts:       o,
		ready:      make(chan struct{}),
	}
}

// Ready is closed once ZooKeeper serves sessions.
func (z *ZooKeeper) Ready() <-chan struct{} { return z.ready }

// Run starts ZooKeeper, waits until it serves, then until it ends, and
// starts it again as the restart policy says. It returns nil when Stop
// ended it, and an error saying how otherwise.
func (z *ZooKeeper) Run() error { return z.supervise(z.runOnce) }

func (z *ZooKeeper) runOnce(restart int) error {
	t0 := time.Now()
	child, err := z.start()
	if errors.Is(err, errStopping) {
		return nil
	}
	if err != nil {
		return err
	}
	if z.opts.Ensemble {
		return z.member(child, t0)
	}
	if restart == 0 {
		z.Health.SetPhase(health.WaitingZooKeeper)
	}
	wctx, cancel := z.watch(child)
	// The session the start waited for is kept: it is how the server is
	// checked from then on.
	conn, err := zkwait.Wait(wctx, z.opts.Servers, z.Log)
	cancel()
	if err != nil {
		return z.failed(child, err)
	}
	// Closed as soon as the stop is asked for, while ZooKeeper still
	// answers the close: once it is gone, the client's close waits a
	// second for an answer that never comes.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		select {
		case <-z.ctx.Done():
		case <-child.Done():
		}
		conn.Close()
	}()
	defer func() { <-closed }()
	z.Log.Info("ready", "phase", "zookeeper", "took", since(t0))
	z.readyOnce.Do(func() { close(z.ready) })
	z.Health.Up(z.spec.Name)
	if z.opts.Last {
		z.Health.SetPhase(health.Ready)
	}
	return z.serve(child, func(ctx context.Context) error { return zkwait.Answers(ctx, conn) })
}
