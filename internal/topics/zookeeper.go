package topics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"

	"github.com/IBM/sarama"
	"github.com/go-zookeeper/zk"
)

// ZooKeeper reconciles topics as the tools of Kafka before 0.10.1 do,
// which have no topic API on the broker: a topic is its config znode
// /config/topics/<t> and its assignment /brokers/topics/<t>, which the
// controller watches; a config change is announced under /config/changes
// in the format of the broker's version (see changeNote). Leaders are read
// from the broker's metadata.
type ZooKeeper struct {
	conn    *zk.Conn
	chroot  string         // zookeeper.connect's chroot, or ""
	meta    *sarama.Broker // an open connection to a broker
	version sarama.KafkaVersion
}

// NewZooKeeper returns a ZooKeeper over an open session and an open broker
// connection, both owned by the caller, for a broker of version (before
// 0.10.1).
func NewZooKeeper(conn *zk.Conn, chroot string, meta *sarama.Broker, version sarama.KafkaVersion) *ZooKeeper {
	return &ZooKeeper{conn: conn, chroot: chroot, meta: meta, version: version}
}

type assignmentZNode struct {
	Version    int                `json:"version"`
	Partitions map[string][]int32 `json:"partitions"`
}

type configZNode struct {
	Version int               `json:"version"`
	Config  map[string]string `json:"config"`
}

func (z *ZooKeeper) topicPath(t string) string  { return z.chroot + "/brokers/topics/" + t }
func (z *ZooKeeper) configPath(t string) string { return z.chroot + "/config/topics/" + t }

// Describe reads each topic's assignment and config overrides from
// ZooKeeper, then asks the broker for the leaders of those that exist. A
// config key without an override has no known value.
func (z *ZooKeeper) Describe(ctx context.Context, keys map[string][]string) (map[string]Topic, error) {
	have := make(map[string]Topic)
	for name, ks := range keys {
		a, _, err := z.assignment(name)
		if errors.Is(err, zk.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, err
		}
		t := Topic{Partitions: int32(len(a.Partitions)), Replicas: int16(len(a.Partitions["0"]))}
		if len(ks) > 0 {
			cfg, _, err := z.config(name)
			if err != nil {
				return nil, err
			}
			t.Config = make(map[string]string)
			for _, k := range ks {
				if v, ok := cfg.Config[k]; ok {
					t.Config[k] = v
				}
			}
		}
		have[name] = t
	}
	if len(have) == 0 {
		return have, nil
	}
	// Only existing topics are named: a broker before 0.11 creates the topics a
	// metadata request names.
	md, err := z.meta.GetMetadata(sarama.NewMetadataRequest(sarama.V0_8_2_0, slices.Sorted(maps.Keys(have))))
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	leaders := make(map[string]Topic)
	for _, tm := range md.Topics {
		leaders[tm.Name] = describePartitions(tm)
	}
	for name, t := range have {
		// Partitions the broker does not know yet have no leader either.
		l := leaders[name]
		t.Leaderless = l.Leaderless + int(max(0, t.Partitions-l.Partitions))
		have[name] = t
	}
	return have, nil
}

func (z *ZooKeeper) assignment(t string) (assignmentZNode, *zk.Stat, error) {
	var a assignmentZNode
	data, stat, err := z.conn.Get(z.topicPath(t))
	if err != nil {
		return a, nil, fmt.Errorf("read %s: %w", z.topicPath(t), err)
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, nil, fmt.Errorf("read %s: %w", z.topicPath(t), err)
	}
	return a, stat, nil
}

// config reads a topic's overrides; a missing znode is no overrides.
func (z *ZooKeeper) config(t string) (configZNode, *zk.Stat, error) {
	c := configZNode{Version: 1, Config: map[string]string{}}
	data, stat, err := z.conn.Get(z.configPath(t))
	if errors.Is(err, zk.ErrNoNode) {
		return c, nil, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil {
		return c, nil, fmt.Errorf("read %s: %w", z.configPath(t), err)
	}
	if c.Config == nil {
		c.Config = map[string]string{}
	}
	return c, stat, nil
}

// liveBrokers lists the ids registered under /brokers/ids, sorted.
func (z *ZooKeeper) liveBrokers() ([]int32, error) {
	path := z.chroot + "/brokers/ids"
	children, _, err := z.conn.Children(path)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	ids := make([]int32, 0, len(children))
	for _, c := range children {
		id, err := strconv.ParseInt(c, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("list %s: broker id %q: %w", path, c, err)
		}
		ids = append(ids, int32(id))
	}
	slices.Sort(ids)
	return ids, nil
}

// Create writes each topic's config znode, then its assignment over the
// live brokers, as AdminUtils.createTopic does (0.8 to 0.10.0 alike).
func (z *ZooKeeper) Create(ctx context.Context, specs []Spec) (again, existed []Spec, err error) {
	brokers, err := z.liveBrokers()
	if err != nil {
		return nil, nil, err
	}
	for _, s := range specs {
		ok, _, err := z.conn.Exists(z.topicPath(s.Name))
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", z.topicPath(s.Name), err)
		}
		if ok {
			existed = append(existed, s)
			continue
		}
		if int(s.Replicas) > len(brokers) {
			again = append(again, s)
			continue
		}
		if err := z.writeConfig(s.Name, configZNode{Version: 1, Config: s.Config}); err != nil {
			return nil, nil, err
		}
		a := assignmentZNode{Version: 1, Partitions: assign(brokers, s.Name, 0, s.Partitions, s.Replicas, nil)}
		data, err := json.Marshal(a)
		if err != nil {
			return nil, nil, fmt.Errorf("topic %q: assignment: %w", s.Name, err)
		}
		_, err = z.conn.Create(z.topicPath(s.Name), data, 0, zk.WorldACL(zk.PermAll))
		if errors.Is(err, zk.ErrNodeExists) {
			existed = append(existed, s)
		} else if err != nil {
			return nil, nil, fmt.Errorf("create %s: %w", z.topicPath(s.Name), err)
		}
	}
	return again, existed, nil
}

// writeConfig creates or replaces a topic's config znode.
func (z *ZooKeeper) writeConfig(t string, c configZNode) error {
	if c.Config == nil {
		c.Config = map[string]string{}
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("topic %q: config: %w", t, err)
	}
	path := z.configPath(t)
	_, err = z.conn.Create(path, data, 0, zk.WorldACL(zk.PermAll))
	if errors.Is(err, zk.ErrNodeExists) {
		_, err = z.conn.Set(path, data, -1)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// AddPartitions extends each topic's assignment with new partitions, as
// AdminUtils.addPartitions does; the version check makes a
// concurrent change fail rather than be lost.
func (z *ZooKeeper) AddPartitions(ctx context.Context, totals map[string]int32) error {
	brokers, err := z.liveBrokers()
	if err != nil {
		return err
	}
	for t, total := range totals {
		a, stat, err := z.assignment(t)
		if err != nil {
			return err
		}
		have := int32(len(a.Partitions))
		replicas := int16(len(a.Partitions["0"]))
		if replicas == 0 {
			return fmt.Errorf("read %s: no replicas for partition 0", z.topicPath(t))
		}
		if int(replicas) > len(brokers) {
			return fmt.Errorf("topic %q: %d replicas but %d live brokers", t, replicas, len(brokers))
		}
		maps.Copy(a.Partitions, assign(brokers, t, have, total-have, replicas, a.Partitions["0"]))
		data, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("topic %q: assignment: %w", t, err)
		}
		if _, err := z.conn.Set(z.topicPath(t), data, stat.Version); err != nil {
			return fmt.Errorf("write %s: %w", z.topicPath(t), err)
		}
	}
	return nil
}

// SetConfigs merges the given keys into each topic's overrides, keeping
// the others, and announces the change under /config/changes as
// AdminUtils.changeTopicConfig does.
func (z *ZooKeeper) SetConfigs(ctx context.Context, configs map[string]map[string]string) error {
	for t, kv := range configs {
		c, _, err := z.config(t)
		if err != nil {
			return err
		}
		maps.Copy(c.Config, kv)
		if err := z.writeConfig(t, c); err != nil {
			return err
		}
		note, err := changeNote(z.version, t)
		if err != nil {
			return fmt.Errorf("topic %q: config change: %w", t, err)
		}
		path := z.chroot + "/config/changes/config_change_"
		if _, err := z.conn.Create(path, note, zk.FlagSequence, zk.WorldACL(zk.PermAll)); err != nil {
			return fmt.Errorf("announce config change of %q at %s: %w", t, path, err)
		}
	}
	return nil
}

// entityNote is the config change notification of 0.9 and 0.10.0, which
// announce the configs of topics and of clients alike.
type entityNote struct {
	Version int    `json:"version"`
	Type    string `json:"entity_type"`
	Name    string `json:"entity_name"`
}

// changeNote is the data of the config_change_ node that announces a
// change of topic's config to a broker of version v. 0.8 writes the topic
// name as a JSON string; 0.9 and 0.10.0 write {"version":1,
// "entity_type":"topics","entity_name":topic}, and their
// DynamicConfigManager refuses a note that is not such an object.
func changeNote(v sarama.KafkaVersion, topic string) ([]byte, error) {
	if !v.IsAtLeast(sarama.V0_9_0_0) {
		return json.Marshal(topic)
	}
	return json.Marshal(entityNote{Version: 1, Type: "topics", Name: topic})
}

// assign spreads count partitions, numbered from first, over brokers as
// Kafka's AdminUtils.assignReplicasToBrokers does: leaders round-robin
// from a start index, followers shifted. Kafka picks the start and shift
// at random; here they come from the topic name, so a retry assigns the
// same way. With existing (the replicas of partition 0), new partitions
// continue from partition 0's leader.
func assign(brokers []int32, topic string, first, count int32, replicas int16, existing []int32) map[string][]int32 {
	n := len(brokers)
	if n == 0 || replicas < 1 || int(replicas) > n || count < 1 {
		return map[string][]int32{}
	}
	h := fnv.New32a()
	h.Write([]byte(topic))
	seed := int(h.Sum32() % uint32(n))
	start := seed
	if len(existing) > 0 {
		if i := slices.Index(brokers, existing[0]); i >= 0 {
			start = i
		}
	}
	out := make(map[string][]int32, count)
	for p := first; p < first+count; p++ {
		pi := int(p)
		shift := seed + pi/n
		leader := (pi + start) % n
		rs := []int32{brokers[leader]}
		for j := 0; j < int(replicas)-1; j++ {
			rs = append(rs, brokers[(leader+1+(shift+j)%(n-1))%n])
		}
		out[strconv.Itoa(pi)] = rs
	}
	return out
}
