package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/IBM/sarama"

	"github.com/kafka-on-kubernetes/supervisor/internal/envprops"
	"github.com/kafka-on-kubernetes/supervisor/internal/props"
	"github.com/kafka-on-kubernetes/supervisor/internal/storage"
)

// Mode is where the brokers keep the cluster's metadata.
type Mode string

// The modes: in ZooKeeper, or in the brokers' own Raft quorum (KRaft).
const (
	ModeZooKeeper Mode = "zookeeper"
	ModeKRaft     Mode = "kraft"
)

// The roles of KRaft mode. RoleCombined is role all there: one node that
// is both broker and controller (process.roles=broker,controller), and no
// ZooKeeper. RoleController and RoleBroker are one of the two, for a
// cluster whose controllers run apart from its brokers.
const (
	RoleCombined   Role = "combined"
	RoleController Role = "controller"
	RoleBroker     Role = "broker"
)

// processRoles are the values of process.roles of the KRaft roles.
var processRoles = map[Role]string{
	RoleCombined:   "broker,controller",
	RoleController: "controller",
	RoleBroker:     "broker",
}

// IsController reports whether the role runs a KRaft controller.
func (r Role) IsController() bool { return r == RoleCombined || r == RoleController }

// IsBroker reports whether the role runs a broker: every role but
// ZooKeeper's and a KRaft controller's.
func (r Role) IsBroker() bool { return r != RoleZooKeeper && r != RoleController }

// controllerListener is the name of the controllers' listener.
const controllerListener = "CONTROLLER"

// KRaft is what a KRaft node needs besides its properties.
type KRaft struct {
	// NodeID is node.id, from KAFKA_NODE_ID (a number, or ordinal).
	NodeID int
	// ClusterID is KAFKA_CLUSTER_ID, else the one the formatted log
	// directories record, else "": the format generates one.
	ClusterID string
	// Voters are controller.quorum.voters.
	Voters []Voter
	// Dirs are the directories the format writes meta.properties in: the
	// log directories and metadata.log.dir.
	Dirs []string
	// Unformatted lists those without meta.properties: the format's work.
	Unformatted []string
	// Scram are the SCRAM credentials the format adds, as its --add-scram
	// arguments, from KAFKA_SCRAM_CREDENTIALS_FILE (package storage).
	Scram []string
	// Bootstrap is controller.quorum.bootstrap.servers of a dynamic
	// quorum (KIP-853), "" for the static one of Voters.
	Bootstrap string
	// Initial is true when Voters are a dynamic quorum's initial
	// controllers (KAFKA_INITIAL_CONTROLLERS), each with its directory
	// id.
	Initial bool
	// role is the node's.
	role Role
}

// FormatQuorum returns the quorum arguments of the format: none for a
// static quorum or a broker apart (which holds no voters); for a
// controller of a dynamic quorum, --initial-controllers and the list when
// it is one of them, else --standalone for a combined node (the quorum's
// first voter) and --no-initial-controllers for a controller apart, which
// joins a quorum that runs already as an observer.
func (k *KRaft) FormatQuorum() []string {
	switch {
	case k.Bootstrap == "" || !k.role.IsController():
		return nil
	case k.Initial:
		entries := make([]string, len(k.Voters))
		for i, v := range k.Voters {
			entries[i] = fmt.Sprintf("%d@%s:%s", v.ID, v.Addr, v.Dir)
		}
		return []string{"--initial-controllers", strings.Join(entries, ",")}
	case k.role == RoleCombined:
		return []string{"--standalone"}
	default:
		return []string{"--no-initial-controllers"}
	}
}

// VoterAddrs returns the host:port of each of Voters, by node id: where a
// controller's check asks the quorum's leader.
func (k *KRaft) VoterAddrs() map[int32]string {
	out := make(map[int32]string, len(k.Voters))
	for _, v := range k.Voters {
		out[int32(v.ID)] = v.Addr
	}
	return out
}

// self returns the node's own entry of Voters.
func (k *KRaft) self() (Voter, bool) {
	i := slices.IndexFunc(k.Voters, func(v Voter) bool { return v.ID == k.NodeID })
	if i < 0 {
		return Voter{}, false
	}
	return k.Voters[i], true
}

// bootstrapVar chooses a dynamic quorum.
const bootstrapVar = "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS"

// initialVar lists a dynamic quorum's initial controllers, which the
// controllers are formatted with.
const initialVar = "KAFKA_INITIAL_CONTROLLERS"

// scramVar names the file of SCRAM credentials added at the format.
const scramVar = "KAFKA_SCRAM_CREDENTIALS_FILE"

// Voter is one entry of controller.quorum.voters, id@host:port, or of a
// dynamic quorum's initial controllers, id@host:port:directory-id.
type Voter struct {
	ID   int
	Addr string
	// Dir is the directory id of the voter's metadata log, in a list of
	// initial controllers only.
	Dir string
}

// modeVar chooses the mode where the broker version has both.
const modeVar = "SUPERVISOR_MODE"

// kraftVars are variables that only KRaft mode reads.
var kraftVars = []string{"KAFKA_CLUSTER_ID", "KAFKA_CONTROLLER_PORT", "KAFKA_NODE_ID", scramVar, initialVar}

// loadMode picks the mode from the version and SUPERVISOR_MODE: 4.x has
// KRaft only, and a broker before 3.3 ZooKeeper only (KRaft was not
// production-ready before 3.3). Between them SUPERVISOR_MODE chooses, and
// ZooKeeper is the default, so that an image that upgrades to 3.x keeps
// its mode. It then refuses the variables of the other mode, and maps
// role all to one combined node in KRaft.
func (c *Config) loadMode(e env) error {
	const want = "kraft or zookeeper"
	only := Mode("")
	switch {
	case c.Sarama.IsAtLeast(sarama.V4_0_0_0):
		only = ModeKRaft
	case !c.Sarama.IsAtLeast(sarama.V3_3_0_0):
		only = ModeZooKeeper
	}
	c.Mode = only
	if c.Mode == "" {
		c.Mode = ModeZooKeeper
	}
	if v := e.get(modeVar, ""); v != "" {
		m := Mode(strings.ToLower(v))
		if m != ModeKRaft && m != ModeZooKeeper {
			return &Error{modeVar, fmt.Sprintf("%q is not a mode", v), want}
		}
		if only != "" && m != only {
			return &Error{modeVar, fmt.Sprintf("%s, but Kafka %s runs in %s mode only", m, c.Version, only), string(only) + " or unset"}
		}
		c.Mode = m
	}
	names := make([]string, 0, len(e))
	for name, v := range e {
		if v != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if c.Mode == ModeZooKeeper {
		if c.Role == RoleController || c.Role == RoleBroker {
			return &Error{"SUPERVISOR_ROLE", fmt.Sprintf("%s, a kraft role, but Kafka %s runs in zookeeper mode", c.Role, c.Version),
				"all, zookeeper or kafka in zookeeper mode (" + modeVar + "=kraft for Kafka 3.3 or later)"}
		}
		for _, name := range names {
			if slices.Contains(kraftVars, name) {
				return &Error{name, fmt.Sprintf("a KRaft variable, but Kafka %s runs in zookeeper mode", c.Version), modeVar + "=kraft (Kafka 3.3 or later) or no " + name}
			}
		}
		return nil
	}
	for _, name := range names {
		zk := strings.HasPrefix(name, "ZOOKEEPER_") || strings.HasPrefix(name, "KAFKA_ZOOKEEPER_") || name == "KAFKA_BROKER_ID"
		if zk {
			why := "a ZooKeeper variable, but the mode is kraft"
			if name == "KAFKA_BROKER_ID" {
				return &Error{name, why, "KAFKA_NODE_ID in kraft mode"}
			}
			return &Error{name, why, "no ZooKeeper variables in kraft mode (" + modeVar + "=zookeeper for Kafka 3.x)"}
		}
	}
	switch c.Role {
	case RoleAll:
		c.Role = RoleCombined
	case RoleController:
		// A controller apart has its controller listener only: the
		// broker's port and what it advertises would be dropped unsaid.
		for _, name := range []string{"KAFKA_PORT", "KAFKA_ADVERTISED_HOST_NAME", "KAFKA_ADVERTISED_PORT"} {
			if name == "KAFKA_ADVERTISED_HOST_NAME" && e.get(bootstrapVar, "") != "" {
				continue // what a controller of a dynamic quorum advertises
			}
			if e.get(name, "") != "" {
				return &Error{name, "a broker's listener, but role controller runs no broker", "KAFKA_CONTROLLER_PORT for its controller listener, or no " + name}
			}
		}
	case RoleBroker:
	default:
		return &Error{"SUPERVISOR_ROLE", fmt.Sprintf("%s, but the mode is kraft", c.Role), "all (one combined broker and controller), controller or broker in kraft mode"}
	}
	return nil
}

// kraftSettings works out the properties of a KRaft node: node.id,
// process.roles, the controller listener's name and the static quorum of
// controller.quorum.voters. A combined node's quorum is itself by default;
// a controller or a broker apart is one of a cluster, whose quorum must be
// given. A controller must be one of the voters, and a broker must not
// (Kafka refuses both, but only once started). It returns them with the
// keys of the base that must go (ZooKeeper's, broker.id, and the dynamic
// quorum's bootstrap servers, which the voters replace). host is the
// address the node reaches its own controller on.
func (c *Config) kraftSettings(e env, host string) (set []props.KV, unset []string, err error) {
	k := &KRaft{}
	if k.NodeID, err = nodeID(e.get("KAFKA_NODE_ID", "0"), e.get("HOSTNAME", "")); err != nil {
		return nil, nil, err
	}
	if id := e.get("KAFKA_CLUSTER_ID", ""); id != "" {
		if err := storage.CheckClusterID(id); err != nil {
			return nil, nil, &Error{"KAFKA_CLUSTER_ID", strings.TrimSuffix(err.Error(), ": "+storage.ErrClusterID.Error()) + ", not a base64 UUID",
				"22 characters of URL-safe base64 of 16 bytes, such as kafka-storage.sh random-uuid prints"}
		}
		k.ClusterID = id
	}
	if path := e.get(scramVar, ""); path != "" {
		if k.Scram, err = c.scram(path); err != nil {
			return nil, nil, err
		}
	}
	port := e.get("KAFKA_CONTROLLER_PORT", "9093")
	if _, err := portNumber("KAFKA_CONTROLLER_PORT", port); err != nil {
		return nil, nil, err
	}
	self := ""
	if c.Role == RoleCombined {
		self = fmt.Sprintf("%d@%s", k.NodeID, net.JoinHostPort(host, port))
	}
	k.role = c.Role
	if e.get(bootstrapVar, "") == "" && e.get(initialVar, "") != "" {
		return nil, nil, &Error{initialVar, "set, but the initial controllers are those of a dynamic quorum, and " + bootstrapVar + " is unset",
			bootstrapVar + " with it (Kafka 3.9 or later), or KAFKA_CONTROLLER_QUORUM_VOTERS alone for a static quorum"}
	}
	votersVar, voters := "KAFKA_CONTROLLER_QUORUM_VOTERS", e.get("KAFKA_CONTROLLER_QUORUM_VOTERS", self)
	if b := e.get(bootstrapVar, ""); b != "" {
		if err := c.dynamicQuorum(e, k, b); err != nil {
			return nil, nil, err
		}
		if k.Initial {
			votersVar, voters = initialVar, e.get(initialVar, "")
		}
	}
	switch {
	case k.Bootstrap != "" && !k.Initial && c.Role != RoleCombined:
		// A node apart of a dynamic quorum, given no initial controllers:
		// it finds the voters through the bootstrap servers.
		voters = ""
	case voters == "":
		return nil, nil, &Error{"KAFKA_CONTROLLER_QUORUM_VOTERS", fmt.Sprintf("unset, but role %s is one of a cluster whose quorum it must know", c.Role), "id@host:port,… of every controller"}
	default:
		if k.Voters, err = parseVoters(votersVar, voters, k.Initial); err != nil {
			return nil, nil, err
		}
	}
	voter := slices.ContainsFunc(k.Voters, func(v Voter) bool { return v.ID == k.NodeID })
	switch {
	case voters == "":
	case c.Role.IsController() && !voter:
		return nil, nil, &Error{votersVar, fmt.Sprintf("%q does not name node %d, which is a controller", voters, k.NodeID), "id@host:port,… naming KAFKA_NODE_ID"}
	case !c.Role.IsController() && voter:
		return nil, nil, &Error{"KAFKA_NODE_ID", fmt.Sprintf("%d is a voter of %s, but role broker is no controller", k.NodeID, votersVar),
			"an id that no voter has (or SUPERVISOR_ROLE=controller or all)"}
	}
	c.KRaft = k
	c.BrokerID = k.NodeID
	quorum, other := props.KV{Key: "controller.quorum.voters", Value: voters}, "controller.quorum.bootstrap.servers"
	if k.Bootstrap != "" {
		quorum, other = props.KV{Key: other, Value: k.Bootstrap}, quorum.Key
	}
	set = []props.KV{
		{Key: "process.roles", Value: processRoles[c.Role]},
		{Key: "node.id", Value: strconv.Itoa(k.NodeID)},
		{Key: "controller.listener.names", Value: controllerListener},
		quorum,
	}
	unset = []string{"zookeeper.connect", "zookeeper.connection.timeout.ms", "broker.id", other}
	if c.Role == RoleController {
		// The base's are a broker's, which a controller apart has not.
		unset = append(unset, "advertised.listeners", "inter.broker.listener.name")
	}
	return set, unset, nil
}

// fastRestart returns the supervisor's broker.session.timeout.ms and
// broker.heartbeat.interval.ms for a KRaft node, 3 s and 500 ms instead of
// Kafka's 9 s and 2 s, unless the environment or the base sets either
// (the two must agree: the heartbeat well within the session).
//
// A broker that ends without a stop (SIGKILL, the OOM killer, a lost
// node) leaves its registration live in the controller, and the broker
// started again with its node id is refused with
// DuplicateBrokerRegistrationException until the controller fences the
// old one, after a session timeout without heartbeats; a combined node's
// controller, restarted with it, gives every registration it reads back a
// fresh session too. In a pod that is every restart after a kill, and the
// broker is not ready meanwhile: on a combined 4.4.0 node killed with
// SIGKILL, ready again after about 12 s with Kafka's values and 5.3 s with
// these on a quiet machine; on a loaded 2-core one (load average 6), 13.7,
// 18.8 and 19.0 s against 11.8, 11.8 and 12.0 s, where the JVM's own
// start weighs more. The cost: a broker that sends no heartbeat for 3 s (a pause of
// the whole JVM, a container throttled to a stop) is fenced, and its
// leaderships move until its next heartbeat unfences it. Kafka's G1
// settings (MaxGCPauseMillis=20) keep pauses far below that, and six
// heartbeats a session leave room for a lost one; the heartbeats, two a
// second for each broker, are light work for the active controller. Both
// are set on every role: the controller enforces the session, the broker
// keeps the interval.
func fastRestart(base *props.Source, extra []envprops.Property) []props.KV {
	out := []props.KV{{Key: "broker.session.timeout.ms", Value: "3000"}, {Key: "broker.heartbeat.interval.ms", Value: "500"}}
	for _, kv := range out {
		if _, ok := base.Get(kv.Key); ok || slices.ContainsFunc(extra, func(p envprops.Property) bool { return p.Key == kv.Key }) {
			return nil
		}
	}
	return out
}

// controllerListenerFor returns the controller's listener on bindHost.
func controllerListenerFor(e env, bindHost string) string {
	return controllerListener + "://" + net.JoinHostPort(bindHost, e.get("KAFKA_CONTROLLER_PORT", "9093"))
}

// withController adds the controller listener to a list that lacks one.
func withController(listeners, listener string) string {
	if !slices.ContainsFunc(strings.Split(listeners, ","), isController) {
		listeners += "," + listener
	}
	return listeners
}

// withControllerProtocol names the controller listener's protocol in the
// map (the base's or the environment's, or "" for the broker's default),
// unless the map names it already.
func withControllerProtocol(protocols string) string {
	if protocols == "" {
		protocols = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
	}
	for _, pair := range strings.Split(protocols, ",") {
		if name, _, _ := strings.Cut(strings.TrimSpace(pair), ":"); strings.EqualFold(name, controllerListener) {
			return protocols
		}
	}
	return controllerListener + ":PLAINTEXT," + protocols
}

// controllerAddr is where the supervisor reaches the node's controller
// listener, with a wildcard host read as loopback.
func controllerAddr(listeners string) (string, error) {
	for _, l := range strings.Split(listeners, ",") {
		if !isController(l) {
			continue
		}
		_, addr, _ := strings.Cut(strings.TrimSpace(l), "://")
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			break
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, port), nil
	}
	return "", &Error{"KAFKA_LISTENERS", fmt.Sprintf("%q has no CONTROLLER://host:port listener", listeners), "a CONTROLLER listener the supervisor can check the controller on"}
}

// withoutController drops the controller listener from a list: clients
// are never sent to it.
func withoutController(listeners string) string {
	var out []string
	for _, l := range strings.Split(listeners, ",") {
		if !isController(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, ",")
}

func isController(listener string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(listener), "://")
	return strings.EqualFold(name, controllerListener)
}

// parseVoters reads controller.quorum.voters from the variable name:
// id@host:port, separated by commas, each id once. A list of initial
// controllers (initial) may give each its directory id after the port,
// as kafka-storage.sh format --initial-controllers takes them; an entry
// without one gets it later (storage.VoterDirectoryID), once the cluster
// id is known.
func parseVoters(name, s string, initial bool) ([]Voter, error) {
	want := "id@host:port,… such as 0@kafka-0:9093"
	if initial {
		want = "id@host:port[:directory-id],… such as 0@kafka-0:9093 (a directory id is a base64 UUID, made from KAFKA_CLUSTER_ID when left out)"
	}
	var out []Voter
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		id, addr, ok := strings.Cut(entry, "@")
		n, err := strconv.Atoi(id)
		bad := &Error{name, fmt.Sprintf("%q is not a voter", entry), want}
		if !ok || err != nil || n < 0 {
			return nil, bad
		}
		v := Voter{ID: n, Addr: addr}
		if _, err := hostPort(name, addr, false); err != nil {
			// A directory id after the port: the port is a number, which
			// a 22-character directory id never is.
			i := strings.LastIndex(addr, ":")
			if !initial || i < 0 {
				return nil, bad
			}
			v.Addr, v.Dir = addr[:i], addr[i+1:]
			if _, err := hostPort(name, v.Addr, false); err != nil {
				return nil, bad
			}
			if err := storage.CheckDirectoryID(v.Dir); err != nil {
				return nil, &Error{name, fmt.Sprintf("%q: directory id %s %v", entry, v.Dir, err), want}
			}
		}
		if slices.ContainsFunc(out, func(o Voter) bool { return o.ID == n }) {
			return nil, &Error{name, fmt.Sprintf("voter %d is named twice", n), want}
		}
		out = append(out, v)
	}
	return out, nil
}

// nodeID reads KAFKA_NODE_ID: a number, or ordinal.
func nodeID(s, hostname string) (int, error) {
	const want = "a whole number from 0, or ordinal (the StatefulSet ordinal of HOSTNAME)"
	if s == Ordinal {
		return ordinal("KAFKA_NODE_ID", hostname, want)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &Error{"KAFKA_NODE_ID", fmt.Sprintf("%q is not a node id", s), want}
	}
	return n, nil
}

// inspectStorage reads meta.properties in the directories the format
// writes, and refuses a record that disagrees with the configuration, so
// that nothing starts and nothing is overwritten. A record gives the
// cluster id when KAFKA_CLUSTER_ID is unset; a node of a cluster (a
// controller or a broker apart, or a combined node with other voters)
// that has neither is refused, as its own generated id would keep it out.
func (c *Config) inspectStorage(metadataDir string) error {
	k := c.KRaft
	k.Dirs = slices.Clone(c.KafkaDataDirs)
	if metadataDir != "" && !slices.Contains(k.Dirs, metadataDir) {
		k.Dirs = append(k.Dirs, metadataDir)
	}
	s, err := storage.Inspect(k.Dirs, k.ClusterID, k.NodeID)
	var m *storage.Mismatch
	if errors.As(err, &m) {
		source := map[string]string{"cluster.id": "KAFKA_CLUSTER_ID", "node.id": "KAFKA_NODE_ID", "version": modeVar}[m.Property]
		if m.Property == "cluster.id" && c.KRaft.ClusterID == "" {
			source = "another log directory"
		}
		return &Error{m.Path, fmt.Sprintf("holds %s=%s, but %s gives %s", m.Property, m.Have, source, m.Want),
			"the values the data was formatted with, or an empty log directory"}
	}
	var dup *storage.DuplicateDirectory
	if errors.As(err, &dup) {
		return &Error{dup.Path, fmt.Sprintf("holds directory.id=%s, as %s does: one is a copy of the other", dup.ID, dup.Other),
			"each log directory with its own meta.properties"}
	}
	if err != nil {
		return &Error{Var: "KAFKA_LOG_DIRS", Msg: err.Error(), Want: "log directories formatted by kafka-storage.sh, or empty"}
	}
	if k.ClusterID == "" {
		k.ClusterID = s.ClusterID
	}
	if k.ClusterID == "" && (c.Role != RoleCombined || len(k.Voters) > 1) {
		// An id generated here would be this node's alone: it could never
		// join the others.
		return &Error{"KAFKA_CLUSTER_ID", fmt.Sprintf("unset and no log directory formatted, but node %d is one of a cluster of voters %s, whose nodes must share one id", k.NodeID, votersString(k.Voters)),
			"the cluster's id, the same on every node (kafka-storage.sh random-uuid prints one)"}
	}
	k.Unformatted = s.Unformatted
	if k.Initial {
		for i, v := range k.Voters {
			if v.Dir == "" {
				k.Voters[i].Dir = storage.VoterDirectoryID(k.ClusterID, v.ID)
			}
		}
	}
	if c.Role.IsController() {
		return c.checkQuorum(metadataDir)
	}
	return nil
}

// checkQuorum refuses a controller whose formatted metadata log was
// formatted for the other kind of quorum: on a static format a node
// given only bootstrap servers waits for a quorum forever.
func (c *Config) checkQuorum(metadataDir string) error {
	if metadataDir == "" {
		metadataDir = c.KafkaDataDirs[0]
	}
	if slices.Contains(c.KRaft.Unformatted, metadataDir) {
		return nil
	}
	q, err := storage.InspectQuorum(metadataDir)
	if err != nil {
		return &Error{Var: "KAFKA_LOG_DIRS", Msg: err.Error(), Want: "log directories formatted by kafka-storage.sh, or empty"}
	}
	switch {
	case q == storage.QuorumStatic && c.KRaft.Bootstrap != "":
		return &Error{bootstrapVar, fmt.Sprintf("a dynamic quorum, but %s was formatted for a static one (controller.quorum.voters)", metadataDir),
			"unset on this data (the voters stay static), or an empty log directory"}
	case q == storage.QuorumDynamic && c.KRaft.Bootstrap == "":
		return &Error{bootstrapVar, fmt.Sprintf("unset, but %s was formatted for a dynamic quorum", metadataDir),
			"the bootstrap servers it was formatted with (host:port of its controller listener), or an empty log directory"}
	}
	return nil
}

// votersString lists the voters' ids: "0,1,2".
func votersString(voters []Voter) string {
	ids := make([]string, len(voters))
	for i, v := range voters {
		ids[i] = strconv.Itoa(v.ID)
	}
	return strings.Join(ids, ",")
}

// scram reads the SCRAM credentials of the format from path. The format
// takes them from Kafka 3.5 on (KIP-900).
func (c *Config) scram(path string) ([]string, error) {
	const want = "lines of MECHANISM NAME PASSWORD (SCRAM-SHA-256 or SCRAM-SHA-512)"
	if !c.Sarama.IsAtLeast(sarama.V3_5_0_0) {
		return nil, &Error{scramVar, fmt.Sprintf("the format of Kafka %s takes no SCRAM credentials", c.Version), "Kafka 3.5 or later, or no " + scramVar}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{scramVar, err.Error(), "a readable file of " + want}
	}
	defer f.Close()
	out, err := storage.ParseScram(f)
	if err != nil {
		return nil, &Error{scramVar, fmt.Sprintf("%s: %v", path, err), want}
	}
	return out, nil
}

// dynamicQuorum checks a dynamic quorum's bootstrap servers, b (Kafka 3.9
// or later, KIP-853), and its initial controllers, whose entries become
// the voters. Every controller of a new quorum is formatted with the
// same list of initial controllers (--initial-controllers), each with the
// directory id its metadata log gets; a combined node given none is
// formatted --standalone, as the quorum's first voter, to which more can
// be added later. A controller apart given none joins the quorum that
// runs already as an observer (--no-initial-controllers), as a controller
// added to it or one whose volume was lost must: it becomes a voter
// through kafka-metadata-quorum.sh add-controller, or by itself with
// controller.quorum.auto.join.enable (Kafka 4.2 or later). A broker apart
// is formatted with no quorum: it finds the voters through the bootstrap
// servers, and checks its id against the list when it has one.
func (c *Config) dynamicQuorum(e env, k *KRaft, b string) error {
	initial := e.get(initialVar, "")
	switch {
	case !c.Sarama.IsAtLeast(sarama.V3_9_0_0):
		return &Error{bootstrapVar, fmt.Sprintf("a dynamic quorum, but Kafka %s has none (KIP-853, 3.9)", c.Version), "KAFKA_CONTROLLER_QUORUM_VOTERS, or Kafka 3.9 or later"}
	case e.get("KAFKA_CONTROLLER_QUORUM_VOTERS", "") != "":
		return &Error{bootstrapVar, "set with KAFKA_CONTROLLER_QUORUM_VOTERS", "one of the two: the bootstrap servers of a dynamic quorum, or the voters of a static one"}
	}
	for _, hp := range strings.Split(b, ",") {
		if _, err := hostPort(bootstrapVar, strings.TrimSpace(hp), false); err != nil {
			return err
		}
	}
	k.Bootstrap = b
	k.Initial = initial != ""
	return nil
}
