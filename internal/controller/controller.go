// Package controller tells when a KRaft controller is ready: its quorum has
// a leader, that leader answers as one, and the controller has caught up
// with the metadata log.
//
// sarama has no DescribeQuorum, and in KRaft the controller id of a
// broker's Metadata and DescribeCluster answers is a random live broker,
// not the quorum's leader. A DescribeCluster request (version 1) for the
// controllers' endpoints (KIP-919, Kafka 3.7 on), sent to the controller
// listener itself, is answered by the controller with the quorum's leader
// as it knows it (-1 for none) and the controllers registered in the
// metadata it has replayed, with their endpoints.
//
// A controller that has not yet replayed the metadata log up to its
// finalized metadata version answers UNSUPPORTED_VERSION ("There is no
// finalized MetadataVersion"); one that knows no leader (the quorum is
// being elected, or lost: fewer than a majority of the voters run)
// answers -1. It is ready once it names a leader and lists itself among
// the registered controllers: each controller registers itself once it
// has caught up with the log, and lists itself only once it has replayed
// that registration, or on a restart one that an earlier start left in
// the log, which it reads in order, after what came before it.
//
// The leader named is not enough. In a dynamic quorum (kraft.version 1,
// KIP-853) a voter that stops hearing from its leader becomes prospective
// (KIP-996, pre-vote) and keeps naming the leader it had, for as long as
// no majority answers, and a leader that lost its majority resigns and
// then names itself. So the leader named is asked too, with a
// DescribeQuorum, where the configuration places it (the static voters,
// or the initial controllers of a dynamic quorum), else at its registered
// endpoint, or at the controller's own address when it names itself: a
// DescribeQuorum which only the quorum's leader answers without error
// (describequorum.go). A leader that does not answer, or answers that it
// does not lead, is a lost quorum.
//
// After ready, the same requests are the periodic check: an answer without
// a leader, or a leader that does not lead, makes the check fail with
// watch.ErrNotReady, which reports the node not ready (the quorum is lost)
// but never hung, since the controller itself answers.
package controller

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"github.com/cenkalti/backoff/v5"

	"github.com/kafka-on-kubernetes/supervisor/internal/broker"
	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// Quorum is what a controller says of its quorum.
type Quorum struct {
	// Leader is the active controller's id, or -1 when there is none.
	Leader int32
	// Registered are the ids of the controllers registered in the
	// metadata the controller has replayed.
	Registered []int32
	// Endpoints are the registered controllers' host:port, by id, for
	// the listener the question came on.
	Endpoints map[int32]string
}

// Ready returns nil when the controller of id is ready, else why it is
// not, wrapping watch.ErrNotReady.
func (q Quorum) Ready(id int) error {
	switch {
	case q.Leader < 0:
		return fmt.Errorf("%w: the kraft quorum has no leader", watch.ErrNotReady)
	case !slices.Contains(q.Registered, int32(id)):
		return fmt.Errorf("%w: controller %d not caught up with the leader %d (registered: %v)", watch.ErrNotReady, id, q.Leader, q.Registered)
	}
	return nil
}

// Describe asks the controller on the open connection b about its quorum.
// A controller without a finalized metadata version yet has no leader to
// name: ApiVersions (v3, KIP-584) says so first, since the controller
// answers a DescribeCluster then with an UNSUPPORTED_VERSION that it logs
// as an ERROR with a stack trace, once for each question.
func Describe(b *sarama.Broker) (Quorum, error) {
	versions, err := b.ApiVersions(&sarama.ApiVersionsRequest{Version: 3, ClientSoftwareName: "kafka-supervisor", ClientSoftwareVersion: "1"})
	if err != nil {
		return Quorum{}, err
	}
	if !slices.ContainsFunc(versions.FinalizedFeatures, func(f sarama.FinalizedFeatureKey) bool { return f.Name == "metadata.version" }) {
		return Quorum{Leader: -1}, nil
	}
	resp, err := b.DescribeCluster(&sarama.DescribeClusterRequest{Version: 1, EndpointType: sarama.DescribeClusterEndpointTypeControllers})
	if err != nil {
		return Quorum{}, err
	}
	switch resp.Err {
	case sarama.ErrNoError:
	case sarama.ErrUnsupportedVersion:
		return Quorum{Leader: -1}, nil
	default:
		msg := ""
		if resp.ErrorMessage != nil {
			msg = ": " + *resp.ErrorMessage
		}
		return Quorum{}, fmt.Errorf("describe cluster: %w%s", resp.Err, msg)
	}
	q := Quorum{Leader: resp.ControllerID, Endpoints: map[int32]string{}}
	for _, c := range resp.Brokers {
		q.Registered = append(q.Registered, c.BrokerID)
		q.Endpoints[c.BrokerID] = net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
	}
	return q, nil
}

// LeaderLeads returns nil when the leader q names answers DescribeQuorum
// as the quorum's leader, within timeout, else why not, wrapping
// watch.ErrNotReady. self is the address of the controller of id that
// gave q, asked when it names itself; voters are the configured voters'
// addresses by id, asked before the registered endpoints of q.
func (q Quorum) LeaderLeads(id int, self string, voters map[int32]string, timeout time.Duration) error {
	addr := q.leaderAddr(id, self, voters)
	if addr == "" {
		return fmt.Errorf("%w: the kraft quorum leader %d is not registered yet", watch.ErrNotReady, q.Leader)
	}
	l, err := AskLeader(addr, timeout)
	if err == nil && l.Leader != q.Leader {
		err = fmt.Errorf("it names %d", l.Leader)
	}
	if err != nil {
		return fmt.Errorf("%w: the kraft quorum leader %d at %s does not lead: %v", watch.ErrNotReady, q.Leader, addr, err)
	}
	return nil
}

// leaderAddr returns where LeaderLeads asks the leader, or "" if nowhere.
func (q Quorum) leaderAddr(id int, self string, voters map[int32]string) string {
	switch {
	case q.Leader == int32(id):
		return self
	case voters[q.Leader] != "":
		return voters[q.Leader]
	}
	return q.Endpoints[q.Leader]
}

// Wait returns once the controller of id at addr is ready, asking it on
// a new connection each time, from 50 ms apart doubling up to a second,
// until ctx ends; voters are as for Quorum.LeaderLeads.
func Wait(ctx context.Context, addr string, id int, voters map[int32]string, cfg *sarama.Config) (Quorum, error) {
	var last error
	q, err := backoff.Retry(ctx, func() (Quorum, error) {
		b := sarama.NewBroker(addr)
		if err := b.Open(cfg); err != nil {
			last = err
			return Quorum{}, err
		}
		defer b.Close()
		q, err := Describe(b)
		if err == nil {
			err = q.Ready(id)
		}
		if err == nil {
			err = q.LeaderLeads(id, addr, voters, cfg.Net.DialTimeout)
		}
		last = err
		return q, err
	},
		backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: 50 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second}),
		backoff.WithMaxElapsedTime(0))
	if err != nil {
		return Quorum{}, fmt.Errorf("controller %d at %s (last: %v): %w", id, addr, last, err)
	}
	return q, nil
}

// NewChecker returns a check of the controller of id at addr, whose
// every ask gives up after timeout; cfg is the client's configuration,
// whose timeouts it replaces; voters are as for Quorum.LeaderLeads. A
// controller that answers without a leader, or names one that does not
// lead, fails with watch.ErrNotReady. After ready it is not asked to list
// itself again: that it did once is the catch-up.
func NewChecker(addr string, id int, voters map[int32]string, cfg *sarama.Config, timeout time.Duration) *broker.Checker {
	return broker.NewCheckerOf(addr, cfg, timeout, func(b *sarama.Broker) error {
		q, err := Describe(b)
		if err != nil {
			return err
		}
		if q.Leader < 0 {
			return q.Ready(id)
		}
		return q.LeaderLeads(id, addr, voters, timeout)
	})
}
