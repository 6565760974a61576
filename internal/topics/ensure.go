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
// leader. A topic that already exists is not an error.
func Ensure(ctx context.Context, client sarama.Client, specs []Spec, log hclog.Logger) error {
	if len(specs) == 0 {
		return nil
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return fmt.Errorf("topics: admin client: %w", err)
	}
	// Closing the admin would close the shared client; the caller owns it.
	details := make(map[string]*sarama.TopicDetail, len(specs))
	for _, s := range specs {
		cfg := make(map[string]*string, len(s.Config))
		for k, v := range s.Config {
			cfg[k] = &v
		}
		details[s.Name] = &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: s.Replicas, ConfigEntries: cfg}
	}
	controller, err := admin.Controller()
	if err != nil {
		return fmt.Errorf("topics: find controller: %w", err)
	}
	req := sarama.NewCreateTopicsRequest(client.Config().Version, details, client.Config().Admin.Timeout, false)
	resp, err := controller.CreateTopics(req)
	if err != nil {
		return fmt.Errorf("topics: create: %w", err)
	}
	var errs []error
	for _, s := range specs {
		terr, ok := resp.TopicErrors[s.Name]
		switch {
		case !ok || terr == nil || errors.Is(terr.Err, sarama.ErrNoError):
			log.Info("topic created", "topic", s.Name, "partitions", s.Partitions, "replicas", s.Replicas)
		case errors.Is(terr.Err, sarama.ErrTopicAlreadyExists):
			log.Info("topic exists", "topic", s.Name)
		default:
			errs = append(errs, fmt.Errorf("topic %q: %w", s.Name, terr))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("topics: create: %w", err)
	}
	return waitLeaders(ctx, client, specs)
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
