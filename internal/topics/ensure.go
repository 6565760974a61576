package topics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"
	"github.com/hashicorp/go-hclog"
)

// Ensure creates the missing topics of specs in one CreateTopics request to
// the controller, then waits until every partition of every spec has a
// leader. A topic that already exists is not an error. A topic that asks
// for more replicas than there are live brokers is asked for again, with a
// backoff, until ctx ends: in a cluster that is starting, the other brokers
// come.
func Ensure(ctx context.Context, client sarama.Client, specs []Spec, log hclog.Logger) error {
	if len(specs) == 0 {
		return nil
	}
	// Closing the admin would close the shared client; the caller owns it.
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return fmt.Errorf("topics: admin client: %w", err)
	}
	pending := specs
	pause := 100 * time.Millisecond
	for {
		if pending, err = create(admin, client.Config(), pending, log); err != nil {
			return err
		}
		if len(pending) == 0 {
			return waitLeaders(ctx, client, specs)
		}
		log.Info("waiting for brokers: more replicas asked for than brokers live", "topics", len(pending))
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("topics: %s and %d more need more brokers than are live: %w", pending[0], len(pending)-1, context.Cause(ctx))
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// create sends one CreateTopics request for specs and returns those that
// need more live brokers.
func create(admin sarama.ClusterAdmin, cfg *sarama.Config, specs []Spec, log hclog.Logger) ([]Spec, error) {
	details := make(map[string]*sarama.TopicDetail, len(specs))
	for _, s := range specs {
		entries := make(map[string]*string, len(s.Config))
		for k, v := range s.Config {
			entries[k] = &v
		}
		details[s.Name] = &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: s.Replicas, ConfigEntries: entries}
	}
	controller, err := admin.Controller()
	if err != nil {
		return nil, fmt.Errorf("topics: find controller: %w", err)
	}
	resp, err := controller.CreateTopics(sarama.NewCreateTopicsRequest(cfg.Version, details, cfg.Admin.Timeout, false))
	if err != nil {
		return nil, fmt.Errorf("topics: create: %w", err)
	}
	var errs []error
	var again []Spec
	for _, s := range specs {
		terr, ok := resp.TopicErrors[s.Name]
		switch {
		case !ok || terr == nil || errors.Is(terr.Err, sarama.ErrNoError):
			log.Info("topic created", "topic", s.Name, "partitions", s.Partitions, "replicas", s.Replicas)
		case errors.Is(terr.Err, sarama.ErrTopicAlreadyExists):
			log.Info("topic exists", "topic", s.Name)
		case errors.Is(terr.Err, sarama.ErrInvalidReplicationFactor):
			again = append(again, s)
		default:
			errs = append(errs, fmt.Errorf("topic %q: %w", s.Name, terr))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("topics: create: %w", err)
	}
	return again, nil
}

// waitLeaders returns once each topic's partitions all have a leader.
func waitLeaders(ctx context.Context, client sarama.Client, specs []Spec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	pause := 20 * time.Millisecond
	for {
		missing := leaderless(client, names)
		if len(missing) == 0 {
			return nil
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("topics %v have no leader yet: %w", missing, context.Cause(ctx))
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// leaderless lists the topics that have a partition without a leader.
func leaderless(client sarama.Client, names []string) []string {
	if err := client.RefreshMetadata(names...); err != nil {
		return names
	}
	var missing []string
	for _, name := range names {
		parts, err := client.Partitions(name)
		if err != nil || len(parts) == 0 {
			missing = append(missing, name)
			continue
		}
		for _, p := range parts {
			if _, err := client.Leader(name, p); err != nil {
				missing = append(missing, name)
				break
			}
		}
	}
	return slices.Compact(missing)
}
