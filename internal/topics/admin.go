package topics

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/IBM/sarama"
)

// Admin reconciles topics through the Kafka protocol (brokers from
// 0.10.1): CreateTopics, CreatePartitions (from 1.0) and
// IncrementalAlterConfigs (from 2.3), sent to the controller for all
// topics at once.
type Admin struct {
	client sarama.Client
	// stale says a request failed: the controller is asked for again.
	stale bool
}

// NewAdmin returns an Admin over client, which the caller owns and closes.
func NewAdmin(client sarama.Client) *Admin {
	return &Admin{client: client}
}

func (a *Admin) version() sarama.KafkaVersion { return a.client.Config().Version }

// failed marks the controller as to be asked for again when *err is set.
func (a *Admin) failed(err *error) {
	if *err != nil {
		a.stale = true
	}
}

// controller returns the controller the client knows, asking the cluster
// when it knows none or a request has failed since: a broker that is no
// longer the controller answers NOT_CONTROLLER, and Reconcile asks again.
func (a *Admin) controller() (*sarama.Broker, error) {
	if !a.stale {
		if b, err := a.client.Controller(); err == nil {
			return b, nil
		}
	}
	a.stale = false
	if err := a.client.RefreshMetadata(); err != nil {
		return nil, fmt.Errorf("find controller: %w", err)
	}
	b, err := a.client.Controller()
	if err != nil {
		return nil, fmt.Errorf("find controller: %w", err)
	}
	return b, nil
}

// Describe asks for the metadata of the named topics (of every topic
// before 0.11, where naming a topic can create it), then for the configs
// of those that exist in one DescribeConfigs request.
func (a *Admin) Describe(ctx context.Context, keys map[string][]string) (_ map[string]Topic, err error) {
	defer a.failed(&err)
	b, err := a.controller()
	if err != nil {
		return nil, err
	}
	req := sarama.NewMetadataRequest(a.version(), nil)
	if a.version().IsAtLeast(sarama.V0_11_0_0) {
		req = sarama.NewMetadataRequest(a.version(), slices.Sorted(maps.Keys(keys)))
		req.AllowAutoTopicCreation = false
	}
	md, err := b.GetMetadata(req)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	have := make(map[string]Topic)
	for _, tm := range md.Topics {
		if _, ok := keys[tm.Name]; !ok || errors.Is(tm.Err, sarama.ErrUnknownTopicOrPartition) {
			continue
		}
		if !errors.Is(tm.Err, sarama.ErrNoError) {
			// Such as LEADER_NOT_AVAILABLE from a broker still loading.
			return nil, fmt.Errorf("metadata of topic %q: %w", tm.Name, tm.Err)
		}
		have[tm.Name] = describePartitions(tm)
	}
	var res []*sarama.ConfigResource
	for name, ks := range keys {
		if _, ok := have[name]; ok && len(ks) > 0 {
			res = append(res, &sarama.ConfigResource{Type: sarama.TopicResource, Name: name, ConfigNames: ks})
		}
	}
	if len(res) == 0 {
		return have, nil
	}
	dreq := &sarama.DescribeConfigsRequest{Resources: res}
	if a.version().IsAtLeast(sarama.V1_1_0_0) {
		dreq.Version = 1
	}
	resp, err := b.DescribeConfigs(dreq)
	if err != nil {
		return nil, fmt.Errorf("describe configs: %w", err)
	}
	for _, r := range resp.Resources {
		if r.ErrorCode != 0 {
			return nil, fmt.Errorf("describe configs of %s: %w: %s", r.Name, sarama.KError(r.ErrorCode), r.ErrorMsg)
		}
		t := have[r.Name]
		t.Config = make(map[string]string, len(r.Configs))
		for _, e := range r.Configs {
			t.Config[e.Name] = e.Value
		}
		have[r.Name] = t
	}
	return have, nil
}

func describePartitions(tm *sarama.TopicMetadata) Topic {
	t := Topic{Partitions: int32(len(tm.Partitions))}
	for _, p := range tm.Partitions {
		if p.ID == 0 {
			t.Replicas = int16(len(p.Replicas))
		}
		if p.Leader < 0 || !errors.Is(p.Err, sarama.ErrNoError) {
			t.Leaderless++
		}
	}
	return t
}

// createRequests is how many CreateTopics requests Create sends at once,
// each on a connection of its own: a broker in ZooKeeper mode creates the
// topics of one request one after the other, each with its own ZooKeeper
// writes, and those of several requests side by side on its request
// threads (num.io.threads, 8 by default). Each request carries at least
// createPerRequest topics.
const (
	createRequests   = 8
	createPerRequest = 8
)

// Create sends the specs to the controller in CreateTopics requests: one
// for a few topics, up to createRequests side by side for many.
func (a *Admin) Create(ctx context.Context, specs []Spec) (again, existed []Spec, err error) {
	defer a.failed(&err)
	b, err := a.controller()
	if err != nil {
		return nil, nil, err
	}
	n := min(createRequests, (len(specs)+createPerRequest-1)/createPerRequest)
	type result struct {
		again, existed []Spec
		err            error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		chunk := specs[i*len(specs)/n : (i+1)*len(specs)/n]
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := b
			if i > 0 {
				conn = sarama.NewBroker(b.Addr())
				if err := conn.Open(a.client.Config()); err != nil {
					results[i].err = fmt.Errorf("connect to controller %s: %w", b.Addr(), err)
					return
				}
				defer conn.Close()
			}
			r := &results[i]
			r.again, r.existed, r.err = a.createOn(conn, chunk)
		}()
	}
	wg.Wait()
	var errs []error
	for _, r := range results {
		again = append(again, r.again...)
		existed = append(existed, r.existed...)
		errs = append(errs, r.err)
	}
	return again, existed, errors.Join(errs...)
}

// createOn sends one CreateTopics request for specs on conn.
func (a *Admin) createOn(conn *sarama.Broker, specs []Spec) (again, existed []Spec, err error) {
	details := make(map[string]*sarama.TopicDetail, len(specs))
	for _, s := range specs {
		entries := make(map[string]*string, len(s.Config))
		for k, v := range s.Config {
			entries[k] = &v
		}
		details[s.Name] = &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: s.Replicas, ConfigEntries: entries}
	}
	cfg := a.client.Config()
	resp, err := conn.CreateTopics(sarama.NewCreateTopicsRequest(cfg.Version, details, cfg.Admin.Timeout, false))
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, s := range specs {
		terr, ok := resp.TopicErrors[s.Name]
		switch {
		case !ok || terr == nil || errors.Is(terr.Err, sarama.ErrNoError):
		case errors.Is(terr.Err, sarama.ErrTopicAlreadyExists):
			existed = append(existed, s)
		case errors.Is(terr.Err, sarama.ErrInvalidReplicationFactor):
			again = append(again, s)
		default:
			errs = append(errs, fmt.Errorf("topic %q: %w", s.Name, terr))
		}
	}
	return again, existed, errors.Join(errs...)
}

// AddPartitions sends one CreatePartitions request (brokers from 1.0).
func (a *Admin) AddPartitions(ctx context.Context, totals map[string]int32) (err error) {
	defer a.failed(&err)
	if !a.version().IsAtLeast(sarama.V1_0_0_0) {
		return fmt.Errorf("broker %s cannot add partitions (from 1.0): %w", a.version(), errors.ErrUnsupported)
	}
	req := &sarama.CreatePartitionsRequest{TopicPartitions: make(map[string]*sarama.TopicPartition, len(totals)), Timeout: a.client.Config().Admin.Timeout}
	if a.version().IsAtLeast(sarama.V2_0_0_0) {
		req.Version = 1
	}
	for t, n := range totals {
		req.TopicPartitions[t] = &sarama.TopicPartition{Count: n}
	}
	b, err := a.controller()
	if err != nil {
		return err
	}
	resp, err := b.CreatePartitions(req)
	if err != nil {
		return err
	}
	var errs []error
	for t, e := range resp.TopicPartitionErrors {
		if e != nil && !errors.Is(e.Err, sarama.ErrNoError) {
			errs = append(errs, fmt.Errorf("topic %q: %w", t, e))
		}
	}
	return errors.Join(errs...)
}

// SetConfigs sends one IncrementalAlterConfigs request (brokers from 2.3):
// only the keys given change; other overrides stay.
func (a *Admin) SetConfigs(ctx context.Context, configs map[string]map[string]string) (err error) {
	defer a.failed(&err)
	if !a.version().IsAtLeast(sarama.V2_3_0_0) {
		return fmt.Errorf("broker %s cannot change one topic config without replacing the others (IncrementalAlterConfigs is from 2.3): %w", a.version(), errors.ErrUnsupported)
	}
	req := &sarama.IncrementalAlterConfigsRequest{}
	for t, kv := range configs {
		entries := make(map[string]sarama.IncrementalAlterConfigsEntry, len(kv))
		for k, v := range kv {
			entries[k] = sarama.IncrementalAlterConfigsEntry{Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &v}
		}
		req.Resources = append(req.Resources, &sarama.IncrementalAlterConfigsResource{Type: sarama.TopicResource, Name: t, ConfigEntries: entries})
	}
	b, err := a.controller()
	if err != nil {
		return err
	}
	resp, err := b.IncrementalAlterConfigs(req)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range resp.Resources {
		if r.ErrorCode != 0 {
			errs = append(errs, fmt.Errorf("topic %q: %w: %s", r.Name, sarama.KError(r.ErrorCode), r.ErrorMsg))
		}
	}
	return errors.Join(errs...)
}
