package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/cenkalti/backoff/v5"
	"github.com/go-zookeeper/zk"
)

// Registration is a broker's znode /brokers/ids/<id>: version 1 (Kafka
// 0.8) has host and port; later versions add endpoints.
type Registration struct {
	Version   int      `json:"version"`
	Host      string   `json:"host"`
	Port      int      `json:"port"`
	Endpoints []string `json:"endpoints"`
}

// ParseRegistration reads a broker's registration znode.
func ParseRegistration(data []byte) (Registration, error) {
	var r Registration
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("broker registration: %w", err)
	}
	if r.Host == "" && len(r.Endpoints) == 0 {
		return r, fmt.Errorf("broker registration version %d: neither host nor endpoints", r.Version)
	}
	return r, nil
}

// Addr is where the broker says clients reach it: host:port, else its
// first endpoint's.
func (r Registration) Addr() string {
	if r.Host != "" {
		return net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
	}
	_, hp, _ := strings.Cut(r.Endpoints[0], "://")
	return hp
}

// WaitRegistered returns the registration once <chroot>/brokers/ids/<id>
// exists, watching the node rather than polling it. chroot is
// zookeeper.connect's, or "".
func WaitRegistered(ctx context.Context, conn *zk.Conn, chroot string, id int) (Registration, error) {
	path := idPath(chroot, id)
	for {
		if err := watchNode(ctx, conn, path, true, nil); err != nil {
			return Registration{}, fmt.Errorf("broker %d not registered at %w", id, err)
		}
		data, _, getErr := conn.Get(path)
		if getErr == nil {
			r, err := ParseRegistration(data)
			if err != nil {
				return r, fmt.Errorf("%s: %w", path, err)
			}
			return r, nil
		}
		// Gone between the two calls, or the session reconnecting.
		select {
		case <-time.After(retryPause):
		case <-ctx.Done():
			return Registration{}, fmt.Errorf("broker %d not registered at %s (last error: %v): %w", id, path, getErr, context.Cause(ctx))
		}
	}
}

// WaitUnregistered returns once no broker holds id in ZooKeeper. A broker
// killed without a stop stays registered until its session expires, and a
// broker started before then exits at once (NodeExists). waiting, when
// set, is called once if the node is there, with its stat.
func WaitUnregistered(ctx context.Context, conn *zk.Conn, chroot string, id int, waiting func(path string, stat *zk.Stat)) error {
	path := idPath(chroot, id)
	var report func(*zk.Stat)
	if waiting != nil {
		report = func(stat *zk.Stat) { waiting(path, stat) }
	}
	return watchNode(ctx, conn, path, false, report)
}

func idPath(chroot string, id int) string { return fmt.Sprintf("%s/brokers/ids/%d", chroot, id) }

// retryPause is how long a watch waits after a failed request: the session
// reconnects by itself (an ensemble member restarting).
const retryPause = 200 * time.Millisecond

// watchNode returns once path exists, or once it does not, as exists says,
// watching it rather than polling. waiting, when set, is called once the
// first time the node is found otherwise.
func watchNode(ctx context.Context, conn *zk.Conn, path string, exists bool, waiting func(*zk.Stat)) error {
	for {
		ok, stat, watch, err := conn.ExistsW(path)
		if err == nil && ok == exists {
			return nil
		}
		var retry <-chan time.Time
		if err != nil {
			retry = time.After(retryPause)
		} else if waiting != nil {
			waiting(stat)
			waiting = nil
		}
		select {
		case <-watch:
		case <-retry:
		case <-ctx.Done():
			return fmt.Errorf("%s (last error: %v): %w", path, err, context.Cause(ctx))
		}
	}
}

// Connect returns a client once the broker at addr answers a metadata
// request that lists broker id. The caller closes the client.
func Connect(ctx context.Context, addr string, id int, cfg *sarama.Config) (sarama.Client, error) {
	var last error
	client, err := backoff.Retry(ctx, func() (sarama.Client, error) {
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
		return nil, err
	}, retry()...)
	if err != nil {
		return nil, fmt.Errorf("metadata from %s (last: %v): %w", addr, last, err)
	}
	return client, nil
}

// Ping returns an open connection to the broker at addr once it answers a
// metadata request. It is the readiness check for Kafka 0.8, whose
// metadata lists no broker until a topic exists. The caller closes it.
func Ping(ctx context.Context, addr string, cfg *sarama.Config) (*sarama.Broker, error) {
	var last error
	b, err := backoff.Retry(ctx, func() (*sarama.Broker, error) {
		b := sarama.NewBroker(addr)
		err := b.Open(cfg)
		if err == nil {
			if _, err = b.GetMetadata(sarama.NewMetadataRequest(cfg.Version, []string{})); err == nil {
				return b, nil
			}
			b.Close()
		}
		last = err
		return nil, err
	}, retry()...)
	if err != nil {
		return nil, fmt.Errorf("metadata from %s (last: %v): %w", addr, last, err)
	}
	return b, nil
}

// retry is how the waits for a broker's answer retry: from 50 ms, doubling
// up to a second, until their context ends.
func retry() []backoff.RetryOption {
	return []backoff.RetryOption{
		backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: 50 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second}),
		backoff.WithMaxElapsedTime(0),
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
	// Brokers before 0.10 close the connection on an ApiVersions request.
	cfg.ApiVersionsRequest = version.IsAtLeast(sarama.V0_10_0_0)
	cfg.Metadata.AllowAutoTopicCreation = false
	cfg.Metadata.Retry.Max = 0
	cfg.Metadata.Full = false
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Admin.Timeout = 30 * time.Second
	return cfg
}

// Checker asks a server that was ready whether it still answers, on one
// connection kept from one check to the next and opened again after a
// failure. NewChecker's asks a broker ApiVersions from 0.10 on, else
// (0.8, which closes the connection on ApiVersions) metadata; neither is
// logged by the broker.
type Checker struct {
	addr string
	cfg  *sarama.Config
	ask  func(*sarama.Broker) error
	b    *sarama.Broker
}

// NewChecker returns a Checker of the broker at addr, of the given
// version, whose every check gives up after timeout.
func NewChecker(addr string, version sarama.KafkaVersion, timeout time.Duration) *Checker {
	cfg := Config(version)
	cfg.ApiVersionsRequest = false // the check is one: not twice on each new connection
	return NewCheckerOf(addr, cfg, timeout, func(b *sarama.Broker) error { return askAlive(b, version) })
}

// NewCheckerOf returns a Checker that asks the server at addr with ask,
// on connections of cfg whose timeouts it replaces with timeout.
func NewCheckerOf(addr string, cfg *sarama.Config, timeout time.Duration, ask func(*sarama.Broker) error) *Checker {
	c := *cfg
	c.Net.DialTimeout = timeout
	c.Net.ReadTimeout = timeout
	c.Net.WriteTimeout = timeout
	return &Checker{addr: addr, cfg: &c, ask: ask}
}

// Check asks the server once. The client takes no context: the check is
// bounded by the timeouts of its connection instead, so that it ends
// within twice the timeout (a dial, then the request).
func (c *Checker) Check(context.Context) error {
	if c.b == nil {
		c.b = sarama.NewBroker(c.addr)
		if err := c.b.Open(c.cfg); err != nil {
			c.b = nil
			return err
		}
	}
	err := c.ask(c.b)
	if err != nil {
		_ = c.b.Close()
		c.b = nil
	}
	return err
}

// askAlive asks a broker for the cheapest answer its version gives.
func askAlive(b *sarama.Broker, version sarama.KafkaVersion) error {
	if !version.IsAtLeast(sarama.V0_10_0_0) {
		_, err := b.GetMetadata(sarama.NewMetadataRequest(version, []string{}))
		return err
	}
	resp, err := b.ApiVersions(&sarama.ApiVersionsRequest{})
	if err != nil {
		return err
	}
	if resp.ErrorCode != 0 {
		return sarama.KError(resp.ErrorCode)
	}
	return nil
}

// Close closes the connection, if one is open.
func (c *Checker) Close() {
	if c.b != nil {
		_ = c.b.Close()
		c.b = nil
	}
}
