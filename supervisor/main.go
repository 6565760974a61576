// Command supervisor is PID 1 of the Kafka image: it writes the broker's and
// ZooKeeper's configuration from the environment, starts ZooKeeper, waits
// for it, starts Kafka, creates the topics, and stops both in order.
//
//	supervisor         run
//	supervisor check   validate the environment and print the plan
//	supervisor probe   ask the running supervisor's /readyz (or a path given)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/oklog/run"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/logging"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/server"
	"github.com/kafka-on-kubernetes/supervisor/internal/signals"
)

// Exit codes besides a failing child's own.
const (
	exitOK      = 0
	exitFailure = 1 // a start that timed out, a kill after the grace
	exitConfig  = 2 // bad environment or files: nothing was started
)

func main() {
	os.Exit(realMain(os.Args[1:], withHostname(os.Environ()), os.Stdout, os.Stderr))
}

// withHostname adds HOSTNAME from the kernel when the runtime left it unset
// or empty: ids given as ordinal are read from it, and config.Load reads
// nothing but its environment.
func withHostname(environ []string) []string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "HOSTNAME="); ok && v != "" {
			return environ
		}
	}
	if h, err := os.Hostname(); err == nil {
		return append(environ, "HOSTNAME="+h)
	}
	return environ
}

// stopRequested is the signals actor's result: a stop that was asked for.
type stopRequested struct{ sig os.Signal }

func (s stopRequested) Error() string { return "stop requested by " + s.sig.String() }

func realMain(args, environ []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "probe" {
		return probeMain(args[1:], environ, stdout, stderr)
	}
	if len(args) > 1 || len(args) == 1 && args[0] != "check" {
		fmt.Fprintln(stderr, "usage: supervisor [check | probe [path]]")
		return exitConfig
	}
	cfg, err := config.Load(environ)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor: %v\n", err)
		return exitConfig
	}
	// check and a start refuse a taken port or an unwritable directory
	// with the same line; check prints its plan either way.
	if len(args) == 1 {
		cfg.WritePlan(stdout)
	}
	if err := cfg.Check(); err != nil {
		fmt.Fprintf(stderr, "supervisor: %v\n", err)
		return exitConfig
	}
	if len(args) == 1 {
		return exitOK
	}
	root := logging.New(cfg.LogFormat, cfg.LogLevel, stderr)
	log := root.Named(logging.Supervisor)
	ln, err := config.Listen(cfg.HealthBind())
	if err != nil {
		log.Error(err.Error())
		return exitConfig
	}
	defer ln.Close()
	if err := cfg.Prepare(); err != nil {
		log.Error(err.Error())
		return exitConfig
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reaper := proc.NewReaper(log)
	go reaper.Run(ctx)
	var escalated atomic.Bool
	sigs := signals.Watch(ctx, log, signals.Actions{
		Escalate: func(os.Signal) {
			escalated.Store(true)
			reaper.SignalAll(syscall.SIGKILL)
		},
		Forward: reaper.SignalAll,
	})
	state := &health.State{}
	var g run.Group

	// Signals: the first SIGTERM, SIGINT or SIGQUIT stops everything.
	{
		done := make(chan struct{})
		g.Add(func() error {
			select {
			case sig := <-sigs.Stop():
				return stopRequested{sig}
			case <-done:
				return nil
			}
		}, func(error) {
			state.SetPhase(health.Stopping)
			close(done)
		})
	}
	common := server.Common{
		Reaper: reaper, KafkaHome: cfg.KafkaHome,
		StartTimeout: cfg.StartTimeout, StopTimeout: cfg.StopTimeout, Restart: cfg.Restart, Checks: cfg.Checks,
		Log: log, Health: state,
	}
	var zk *server.ZooKeeper
	if cfg.Role.RunsZooKeeper() {
		zk = server.NewZooKeeper(server.ZooKeeperOptions{
			Common:     common,
			ConfigFile: filepath.Join(cfg.RunDir, config.ZooKeeperFile),
			Env:        cfg.ZooKeeperEnv(),
			Output:     logging.Server(root, logging.ZooKeeper, cfg.ServerLogLevel),
			Servers:    []string{cfg.ZooKeeperLocal},
			Last:       !cfg.Role.RunsKafka(),
			Ensemble:   len(cfg.Ensemble) > 0,
		})
	}
	var k *server.Kafka
	if cfg.Role.RunsKafka() {
		var zkReady <-chan struct{}
		if zk != nil {
			zkReady = zk.Ready()
		}
		var kraft *server.KRaftOptions
		if cfg.KRaft != nil {
			kraft = &server.KRaftOptions{ClusterID: cfg.KRaft.ClusterID, Dirs: cfg.KRaft.Dirs, Unformatted: cfg.KRaft.Unformatted, Scram: cfg.KRaft.Scram,
				Quorum: cfg.KRaft.FormatQuorum()}
			if !cfg.Role.IsBroker() {
				kraft.Controller, kraft.Voters = cfg.Controller, cfg.KRaft.VoterAddrs()
			}
		}
		k = server.NewKafka(server.KafkaOptions{
			Common:         common,
			ConfigFile:     filepath.Join(cfg.RunDir, config.ServerFile),
			Env:            cfg.KafkaEnv(),
			Output:         logging.Server(root, logging.Kafka, cfg.ServerLogLevel),
			ZooKeeperReady: zkReady, ZooKeeper: cfg.ZooKeeper, Chroot: cfg.ZooKeeperChroot,
			BrokerID: cfg.BrokerID, Bootstrap: cfg.Bootstrap, Version: cfg.Sarama, Topics: cfg.Topics,
			KRaft: kraft,
		})
	}
	// Servers: one actor, whose stop is the ordered one of server.Servers:
	// Kafka, then ZooKeeper once the broker is reaped.
	servers := server.NewServers(k, zk)
	g.Add(failing(state, servers.Run), func(error) { servers.Stop() })
	// Health: shut down only once the servers are stopped (Stop returns
	// then, whoever called it first), so that /readyz says "stopping" until
	// the end, in whatever order the group interrupts its actors.
	{
		srv := &http.Server{Handler: state.Handler(), ReadHeaderTimeout: 5 * time.Second}
		g.Add(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("health server: %w", err)
			}
			return nil
		}, func(error) {
			servers.Stop()
			sctx, scancel := context.WithTimeout(context.Background(), time.Second)
			defer scancel()
			_ = srv.Shutdown(sctx)
		})
	}

	t0 := time.Now()
	err = g.Run()
	killed := escalated.Load() || servers.Killed()
	code := exitCode(log, err, killed, time.Since(t0))
	// As PID 1, what is left would be killed by the kernel as the supervisor
	// exits; under another init it would be left to it. Both servers are
	// stopped by now: anything still here escaped their process groups.
	left := reaper.KillRemaining()
	if len(left) > 0 {
		log.Warn("killed processes left behind", "pids", left)
	}
	log.Info("exit", "code", code, "left", len(left))
	return code
}

// failing marks the supervisor not alive when a server's Run fails.
func failing(state *health.State, execute func() error) func() error {
	return func() error {
		err := execute()
		if err != nil {
			state.Fail(err.Error())
		}
		return err
	}
}

// exitCode logs how the supervisor ended and picks its exit code: 0 after
// a requested stop in which no child had to be killed, the failing child's
// code (128+signal when a signal ended it), or 1.
func exitCode(log hclog.Logger, err error, killed bool, up time.Duration) int {
	var stop stopRequested
	var exit *proc.ExitError
	switch {
	case errors.As(err, &stop) && killed:
		log.Error("stopped, but a child had to be killed", "signal", stop.sig)
		return exitFailure
	case errors.As(err, &stop):
		log.Info("stopped", "signal", stop.sig, "uptime", up.Round(time.Second))
		return exitOK
	case errors.As(err, &exit):
		code := exit.Status.ExitCode()
		if code == 0 {
			code = exitFailure // an unasked-for exit is a failure whatever its code
		}
		log.Error("child exited on its own: stopped the rest", "child", exit.Name, "status", exit.Status.String(),
			"exit_code", code, "last_errors", exit.Reason(), "last_lines", strings.Join(exit.Tail, "\n"))
		return code
	case err != nil:
		log.Error("failed: stopped everything", "error", err)
		return exitFailure
	}
	return exitOK
}
