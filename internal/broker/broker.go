// Package broker tells when a Kafka broker is really ready: registered in
// ZooKeeper and answering metadata requests.
package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/go-zookeeper/zk"
)

// WaitRegistered returns once <chroot>/brokers/ids/<id> exists, watching
// the node rather than polling it. chroot is zookeeper.connect's, or "".
func WaitRegistered(ctx context.Context, conn *zk.Conn, chroot string, id int) error {
	path := fmt.Sprintf("%s/brokers/ids/%d", chroot, id)
	for {
		ok, _, watch, err := conn.ExistsW(path)
		if ok {
			return nil
		}
		var retry <-chan time.Time
		if err != nil {
			// The session reconnects by itself (an ensemble member
			// restarting): ask again shortly, until ctx ends.
			retry = time.After(200 * time.Millisecond)
		}
		select {
		case <-watch:
		case <-retry:
		case <-ctx.Done():
			return fmt.Errorf("broker %d not registered at %s (last error: %v): %w", id, path, err, context.Cause(ctx))
		}
	}
}

// Connect returns a client once the broker at addr answers a metadata
// request that lists broker id. The caller closes the client.
func Connect(ctx context.Context, addr string, id int, cfg *sarama.Config) (sarama.Client, error) {
	pause := 50 * time.Millisecond
	var last error
	for {
		client, err := sarama.NewClient([]string{addr}, cfg)
		if err == nil {
			if err = client.RefreshMetadata(); err == nil && listed(client, id) {
				return client, nil
			}
			if err == nil {
				err = fmt.Errorf("broker %d not in metadata yet", id)
			}
			client.Close()
		}
		last = err
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("metadata from %s (last: %v): %w", addr, last, context.Cause(ctx))
		}
		pause = min(2*pause, time.Second)
	}
}

func listed(client sarama.Client, id int) bool {
	for _, b := range client.Brokers() {
		if b.ID() == int32(id) {
			return true
		}
	}
	return false
}

// Config returns the client configuration the supervisor uses against a
// broker of the given version, failing fast so that its own waits decide.
func Config(version sarama.KafkaVersion) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "kafka-supervisor"
	cfg.Version = version
	cfg.Metadata.Retry.Max = 0
	cfg.Metadata.Full = false
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Admin.Timeout = 30 * time.Second
	return cfg
}
