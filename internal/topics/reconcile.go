package topics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/cenkalti/backoff/v5"

	"github.com/hashicorp/go-hclog"
)

// Topic is a topic as the cluster has it.
type Topic struct {
	Partitions int32
	Replicas   int16 // of partition 0
	Leaderless int   // partitions without a leader
	// Config holds the values of the config keys asked about; a key the
	// cluster has no value for is absent.
	Config map[string]string
}

// Cluster is what reconciling needs of a Kafka cluster. Admin speaks the
// Kafka protocol; ZooKeeper writes the znodes that Kafka 0.8's own tools
// write.
type Cluster interface {
	// Describe returns those of the named topics that exist, with the
	// values of the config keys listed for each.
	Describe(ctx context.Context, keys map[string][]string) (map[string]Topic, error)
	// Create creates the topics in one go and returns those that need
	// more live brokers than there are, and those that existed already.
	Create(ctx context.Context, specs []Spec) (needBrokers, existed []Spec, err error)
	// AddPartitions raises the partition counts of topics to the totals.
	AddPartitions(ctx context.Context, totals map[string]int32) error
	// SetConfigs sets the given configs of each topic, and only those.
	SetConfigs(ctx context.Context, configs map[string]map[string]string) error
}

// Plan is what reconciling the specs with the cluster's topics does.
type Plan struct {
	Create     []Spec
	Partitions map[string]int32             // topic → new partition count
	Configs    map[string]map[string]string // topic → configs to set
	// Refused lists the differences left alone, one sentence each.
	Refused []Refusal
}

// Refusal is a difference between a spec and its topic that reconciling
// leaves alone.
type Refusal struct {
	Topic, Field string
	Have, Want   int64
	Why          string
}

// MakePlan compares the specs with the topics the cluster has.
func MakePlan(specs []Spec, have map[string]Topic) Plan {
	p := Plan{Partitions: map[string]int32{}, Configs: map[string]map[string]string{}}
	for _, s := range specs {
		t, ok := have[s.Name]
		if !ok {
			p.Create = append(p.Create, s)
			continue
		}
		switch {
		case t.Partitions < s.Partitions:
			p.Partitions[s.Name] = s.Partitions
		case t.Partitions > s.Partitions:
			p.Refused = append(p.Refused, Refusal{s.Name, "partitions", int64(t.Partitions), int64(s.Partitions), "Kafka cannot remove partitions"})
		}
		if t.Replicas != s.Replicas {
			p.Refused = append(p.Refused, Refusal{s.Name, "replicas", int64(t.Replicas), int64(s.Replicas), "a replication-factor change is a partition reassignment"})
		}
		for k, v := range s.Config {
			if cur, ok := t.Config[k]; !ok || !sameValue(k, cur, v) {
				if p.Configs[s.Name] == nil {
					p.Configs[s.Name] = map[string]string{}
				}
				p.Configs[s.Name][k] = v
			}
		}
	}
	return p
}

// Changes counts what the plan would change.
func (p Plan) Changes() int { return len(p.Create) + len(p.Partitions) + len(p.Configs) }

// Reconcile makes the cluster's topics match the specs: missing topics are
// created in one batch, partition counts raised and differing configs set
// key by key (never replacing a topic's other overrides). A partition
// decrease or a replication-factor change is logged and left alone. It
// returns once every partition of every spec has a leader. A topic that
// needs more brokers than are live is asked for again until ctx ends.
func Reconcile(ctx context.Context, c Cluster, specs []Spec, log hclog.Logger) error {
	if len(specs) == 0 {
		return nil
	}
	keys := make(map[string][]string, len(specs))
	for _, s := range specs {
		keys[s.Name] = slices.Sorted(maps.Keys(s.Config))
	}
	var again, failed error
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		again, failed = reconcileOnce(ctx, c, specs, keys, log)
		if failed != nil {
			return struct{}{}, backoff.Permanent(failed)
		}
		return struct{}{}, again
	}, retry(50*time.Millisecond, time.Second, func(err error, d time.Duration) {
		log.Debug("topics: asking again", "why", err, "in", d)
	})...)
	switch {
	case failed != nil:
		return failed
	case err != nil:
		return fmt.Errorf("topics: %w (%w)", again, err)
	}
	return waitLeaders(ctx, c, specs)
}

// reconcileOnce describes the topics, plans and applies the plan. It
// returns why the cluster should be asked again (each step is safe to
// repeat), or the error that ends reconciling.
func reconcileOnce(ctx context.Context, c Cluster, specs []Spec, keys map[string][]string, log hclog.Logger) (again, err error) {
	have, err := c.Describe(ctx, keys)
	if err != nil {
		// A broker that has just started answers with transient errors.
		return fmt.Errorf("describe: %w", err), nil
	}
	plan := MakePlan(specs, have)
	created, err := create(ctx, c, plan.Create, log)
	switch {
	case transient(err):
		return err, nil
	case err != nil:
		return nil, err
	case !created:
		// A broker that has just started may not list every topic yet:
		// Create found one that exists.
		return errors.New("the broker's metadata lacks topics that exist"), nil
	}
	for _, r := range plan.Refused {
		log.Warn("topic change refused: left as it is", "topic", r.Topic, r.Field, r.Have, "spec", r.Want, "why", r.Why)
	}
	if plan.Changes() == 0 {
		log.Info("topics up to date: nothing to do", "topics", len(specs))
	}
	if err := apply(ctx, c, plan, have, log); transient(err) {
		return err, nil
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// create creates the missing topics, asking again while they need more
// brokers than are live. It returns false, having created nothing, when a
// topic turned out to exist already.
func create(ctx context.Context, c Cluster, specs []Spec, log hclog.Logger) (bool, error) {
	if len(specs) == 0 {
		return true, nil
	}
	pending := specs
	var failed error
	created, err := backoff.Retry(ctx, func() (bool, error) {
		again, existed, err := c.Create(ctx, pending)
		if err != nil {
			failed = fmt.Errorf("topics: create: %w", err)
			return false, backoff.Permanent(failed)
		}
		for _, s := range pending {
			done := func(a Spec) bool { return a.Name == s.Name }
			if !slices.ContainsFunc(again, done) && !slices.ContainsFunc(existed, done) {
				log.Info("topic created", "topic", s.Name, "partitions", s.Partitions, "replicas", s.Replicas, "configs", len(s.Config))
			}
		}
		if len(existed) > 0 {
			log.Debug("topics exist that the broker did not list yet", "first", existed[0].Name, "topics", len(existed))
			return false, nil
		}
		if pending = again; len(pending) == 0 {
			return true, nil
		}
		log.Info("waiting for brokers: more replicas asked for than brokers live", "topics", len(pending))
		return false, errTooFewBrokers
	}, retry(100*time.Millisecond, 2*time.Second, nil)...)
	switch {
	case failed != nil:
		return false, failed
	case err != nil:
		return false, fmt.Errorf("topics: %s and %d more need more brokers than are live: %w", pending[0].Name, len(pending)-1, err)
	}
	return created, nil
}

// errTooFewBrokers says topics were not created for want of live brokers.
var errTooFewBrokers = errors.New("more replicas than live brokers")

// apply raises partition counts and sets configs of existing topics. A
// change the broker's version cannot make is logged and left.
func apply(ctx context.Context, c Cluster, plan Plan, have map[string]Topic, log hclog.Logger) error {
	if len(plan.Partitions) > 0 {
		err := c.AddPartitions(ctx, plan.Partitions)
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			log.Warn("topic partitions left as they are", "topics", len(plan.Partitions), "why", err)
		case err != nil:
			return fmt.Errorf("topics: add partitions: %w", err)
		default:
			for _, t := range slices.Sorted(maps.Keys(plan.Partitions)) {
				log.Info("topic partitions added", "topic", t, "from", have[t].Partitions, "to", plan.Partitions[t])
			}
		}
	}
	if len(plan.Configs) > 0 {
		err := c.SetConfigs(ctx, plan.Configs)
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			log.Warn("topic configs left as they are", "topics", len(plan.Configs), "why", err)
		case err != nil:
			return fmt.Errorf("topics: set configs: %w", err)
		default:
			for _, t := range slices.Sorted(maps.Keys(plan.Configs)) {
				for _, k := range slices.Sorted(maps.Keys(plan.Configs[t])) {
					old, ok := have[t].Config[k]
					if !ok {
						old = "(default)"
					}
					log.Info("topic config set", "topic", t, "key", k, "from", old, "to", plan.Configs[t][k])
				}
			}
		}
	}
	return nil
}

// waitLeaders returns once each spec's topic has all its partitions, each
// with a leader.
func waitLeaders(ctx context.Context, c Cluster, specs []Spec) error {
	names := make(map[string][]string, len(specs))
	for _, s := range specs {
		names[s.Name] = nil
	}
	var missing []string
	var last error
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		have, err := c.Describe(ctx, names)
		missing = missing[:0]
		for _, s := range specs {
			t, ok := have[s.Name]
			if err != nil || !ok || t.Leaderless > 0 || t.Partitions < s.Partitions {
				missing = append(missing, s.Name)
			}
		}
		if len(missing) == 0 {
			return struct{}{}, nil
		}
		last = err
		return struct{}{}, errNoLeader
	}, retry(10*time.Millisecond, 100*time.Millisecond, nil)...)
	if err != nil {
		return fmt.Errorf("topics %v have no leader yet (last error: %v): %w", missing, last, err)
	}
	return nil
}

// errNoLeader says partitions have no leader yet.
var errNoLeader = errors.New("partitions without a leader")

// transient says whether err may pass if asked again: the controller
// moved or is not known yet, or a connection failed or timed out.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	for _, e := range []error{sarama.ErrNotController, sarama.ErrControllerNotAvailable, sarama.ErrRequestTimedOut,
		sarama.ErrOutOfBrokers, sarama.ErrNotConnected, sarama.ErrBrokerNotAvailable, io.EOF, syscall.ECONNRESET, syscall.ECONNREFUSED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return errors.As(err, &netErr)
}

// retry backs off from first, doubling up to limit, until ctx ends; notify,
// when set, learns of each error that is retried.
func retry(first, limit time.Duration, notify backoff.Notify) []backoff.RetryOption {
	opts := []backoff.RetryOption{
		backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: first, Multiplier: 2, MaxInterval: limit}),
		backoff.WithMaxElapsedTime(0),
	}
	if notify != nil {
		opts = append(opts, backoff.WithNotify(notify))
	}
	return opts
}
