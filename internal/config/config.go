// Package config reads the supervisor's environment, checks all of it before
// anything starts, and works out the properties to write.
//
// # Base and effective files
//
// The effective server.properties and zookeeper.properties are a pure
// function of the base files and the environment, made afresh at every
// start. The base is SUPERVISOR_CONFIG_DIR (by default the distribution's
// own $KAFKA_HOME/config, or a directory the user mounts): it is only
// read, never written, so it may be read-only (docker run --read-only, a
// ConfigMap). Load reads each base file and sets the environment's
// properties on it in memory, keeping its comments and order; Prepare
// writes the result, atomically, to SUPERVISOR_RUN_DIR, and the servers
// are started with the files there. A variable removed from the
// environment is thus gone at the next start: nothing of an earlier start
// is read back.
//
// SUPERVISOR_RUN_DIR defaults to <SUPERVISOR_DATA_DIR>/run. The data
// directory is the one place a start already needs writable (logs,
// ZooKeeper's data, the server logs), so a default there adds no new
// requirement to a read-only container or a pod. What the volume keeps
// of them is never read, since they are written afresh at every start,
// and after a failed start they are there to read. The run directory must
// not be inside a Kafka log directory, where the broker would take it for
// a partition, nor be SUPERVISOR_CONFIG_DIR itself, which would make the
// base the result of the last start again.
//
// # Bases rewritten in place by earlier releases
//
// Releases before this one rewrote the base files in place, and the seed's
// image declares its config directory a VOLUME, so such files outlive the
// release that wrote them. They are taken as any base is: every property
// the supervisor sets from its variables or defaults (broker.id,
// zookeeper.connect, log.dirs, the listeners or host.name and port,
// dataDir, clientPort, server.<n>) is set again from the environment at
// every start, so the environment wins over what such a file holds. A
// property that a KAFKA_ or ZOOKEEPER_ variable of an earlier run added
// stays in such a base, because no line tells it from one the user wrote;
// `supervisor check` shows the base's value beside each property it sets,
// and restoring the distribution's file (or dropping the volume) drops the
// rest. A value such a file holds that the server would refuse (an empty
// log.retention.hours= from an empty variable) is refused before anything
// starts, naming the file and the property, unless a variable sets that
// property again. The ensemble defaults (initLimit, syncLimit,
// quorumListenOnAllIPs) that such a file already holds are kept, as for
// any file that gives them.
//
// # Modes
//
// The mode is ZooKeeper or KRaft, chosen by the version (4.x has KRaft
// only, a broker before 3.3 ZooKeeper only) or by SUPERVISOR_MODE where
// both exist, ZooKeeper by default. In KRaft mode role all is one
// combined node (process.roles=broker,controller) with a CONTROLLER
// listener of its own and a static quorum, itself unless
// KAFKA_CONTROLLER_QUORUM_VOTERS names others. Roles controller and broker
// are one of the two, in a cluster whose quorum the variable must give:
// a controller listens on its CONTROLLER listener only and is one of the
// voters, a broker has no controller listener and is none of them. The
// base's ZooKeeper keys, broker.id and a dynamic quorum's bootstrap
// servers are commented out of the effective file, and so are a
// controller's advertised.listeners and inter.broker.listener.name. Load reads meta.properties in the log directories
// (package storage): a record that disagrees with KAFKA_CLUSTER_ID or
// KAFKA_NODE_ID, or that holds the directory.id of another directory (a
// copy), is refused before anything starts, and one that agrees gives the
// cluster id when the variable is unset. A KRaft node gets a 3 s broker
// session and a 500 ms heartbeat unless it is given either, so that a
// broker killed is ready again sooner (see fastRestart).
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/kafka-on-kubernetes/supervisor/internal/envprops"
	"github.com/kafka-on-kubernetes/supervisor/internal/props"
	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// Role says which servers this supervisor runs.
type Role string

// The roles: both servers (the default), or one of them.
const (
	RoleAll       Role = "all"
	RoleZooKeeper Role = "zookeeper"
	RoleKafka     Role = "kafka"
)

// RunsZooKeeper reports whether the role starts ZooKeeper.
func (r Role) RunsZooKeeper() bool { return r == RoleAll || r == RoleZooKeeper }

// RunsKafka reports whether the role starts Kafka.
func (r Role) RunsKafka() bool { return r != RoleZooKeeper }

// Config is everything the supervisor needs, read from its environment.
type Config struct {
	Role Role
	// Mode says where the metadata is kept: ZooKeeper, or KRaft, whose
	// settings are then in KRaft.
	Mode      Mode
	KRaft     *KRaft
	KafkaHome string
	// ConfigDir holds the base files, read and never written.
	ConfigDir string
	// RunDir is where Prepare writes the effective files.
	RunDir       string
	DataDir      string
	HTTPAddr     string
	StopTimeout  time.Duration
	StartTimeout time.Duration
	LogFormat    string
	LogLevel     hclog.Level
	// ServerLogLevel filters the servers' relayed output lines.
	ServerLogLevel hclog.Level
	// Restart says what happens when a child exits on its own.
	Restart Restart
	// Checks say how a ready server is watched (SUPERVISOR_CHECK_PERIOD,
	// SUPERVISOR_CHECK_FAILURES, SUPERVISOR_HANG_TIMEOUT).
	Checks watch.Settings

	// Version is the broker's version, from KAFKA_VERSION or its jar.
	Version string
	// Sarama is Version as the Kafka client takes it.
	Sarama sarama.KafkaVersion

	// BrokerID is broker.id, from KAFKA_BROKER_ID (a number, or the
	// ordinal of HOSTNAME).
	BrokerID int
	// ZooKeeper lists the host:port pairs of zookeeper.connect.
	ZooKeeper []string
	// ZooKeeperChroot is zookeeper.connect's chroot path, or "".
	ZooKeeperChroot string
	// ZooKeeperLocal is where the supervisor reaches the ZooKeeper it runs.
	ZooKeeperLocal string
	// Bootstrap is where the supervisor's own client reaches the broker,
	// and Controller a KRaft controller's listener; each is "" when the
	// role runs no such server.
	Bootstrap  string
	Controller string
	Topics     []topics.Spec

	// KafkaProps and ZooKeeperProps are written to the two files, in order.
	KafkaProps     []props.KV
	ZooKeeperProps []props.KV
	// Ensemble lists the members of ZOOKEEPER_SERVERS, server.1 first; it
	// is empty for a standalone ZooKeeper.
	Ensemble []Member
	// MyID is this member's id from ZOOKEEPER_MY_ID, written to
	// <ZooKeeperDataDir>/myid; 0 when unset.
	MyID int
	// KafkaDataDirs and ZooKeeperDataDir are created before start.
	KafkaDataDirs    []string
	ZooKeeperDataDir string
	// LogDir is where the servers' own log files go (LOG_DIR).
	LogDir string
	// JavaTmpDir is the broker's java.io.tmpdir when /tmp is not writable
	// (a read-only root file system), "" otherwise (see javaTmpDir).
	JavaTmpDir string
	// Env is the children's environment.
	Env []string
	// Ignored are variables dropped as Kubernetes service links.
	Ignored []string

	// files are the effective files, rendered in memory; Prepare writes
	// them to RunDir.
	files []*rendered
	// listenersVar names the variable the broker's listeners came from.
	listenersVar string
}

// Error is a bad environment variable or file, named with what is allowed.
type Error struct {
	Var  string // the variable or file
	Msg  string
	Want string // the allowed form
}

// Error reads as one line: "KAFKA_BROKER_ID="x": not a number; want …".
func (e *Error) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("%s: %s", e.Var, e.Msg)
	}
	return fmt.Sprintf("%s: %s; want %s", e.Var, e.Msg, e.Want)
}

// Names of the files the supervisor reads in ConfigDir and writes in RunDir.
const (
	ServerFile    = "server.properties"
	ZooKeeperFile = "zookeeper.properties"
)

// launchVars are the launch scripts' own variables, after KAFKA_ (or
// ZOOKEEPER_ for the ZooKeeper server's): never properties.
var launchVars = []string{"HEAP_OPTS", "OPTS", "JVM_PERFORMANCE_OPTS", "GC_LOG_OPTS", "LOG4J_OPTS", "JMX_OPTS", "DEBUG", "JMX_PORT"}

// reservedKafka are KAFKA_ variables that are not broker properties: the
// launch scripts' own, the supervisor's, the four that Load translates
// by broker version, the broker id, which may be "ordinal", and the cache
// of scripts/kafka-dist.sh, which `make run` users have set.
// KRaft's node id (which may be "ordinal" too), cluster id and controller
// port, SCRAM file and initial controllers are read by Load as well.
var reservedKafka = reserved("HOME", "VERSION", "CREATE_TOPICS", "TOPICS_FILE", "HOST_NAME", "PORT", "ADVERTISED_HOST_NAME", "ADVERTISED_PORT", "BROKER_ID", "DIST_CACHE",
	"NODE_ID", "CLUSTER_ID", "CONTROLLER_PORT", "SCRAM_CREDENTIALS_FILE", "INITIAL_CONTROLLERS")

// reservedZooKeeper are ZOOKEEPER_ variables that are not ZooKeeper properties.
var reservedZooKeeper = reserved("SERVERS", "MY_ID")

func reserved(names ...string) map[string]bool {
	m := make(map[string]bool)
	for _, n := range append(names, launchVars...) {
		m[n] = true
	}
	return m
}

// Load reads env (as os.Environ gives it) and checks every value. It
// reads the distribution and the base files and renders the effective
// ones in memory, but changes nothing on disk.
// The ids given as ordinal come from env's HOSTNAME, which the caller
// sets from the kernel's host name when the runtime did not.
func Load(env []string) (*Config, error) {
	c := &Config{Env: env}
	e := c.lookup(env)
	var err error
	if err := checkSupervisorVars(e); err != nil {
		return nil, err
	}

	// Paths that are not properties, so that render would not catch them.
	for _, v := range []string{"KAFKA_HOME", "SUPERVISOR_CONFIG_DIR", "SUPERVISOR_DATA_DIR", "SUPERVISOR_RUN_DIR", "LOG_DIR"} {
		if strings.ContainsAny(e[v], "\n\r\x00") {
			return nil, &Error{v, "value holds a newline or NUL", "a path on one line"}
		}
	}
	switch role := Role(e.get("SUPERVISOR_ROLE", string(RoleAll))); role {
	case RoleAll, RoleZooKeeper, RoleKafka, RoleController, RoleBroker:
		c.Role = role // loadMode checks it against the mode
	default:
		return nil, &Error{"SUPERVISOR_ROLE", fmt.Sprintf("%q is not a role", role), "all, zookeeper or kafka (zookeeper mode); all, controller or broker (kraft mode)"}
	}
	if c.KafkaHome, err = kafkaHome(e.get("KAFKA_HOME", "")); err != nil {
		return nil, err
	}
	c.ConfigDir = e.get("SUPERVISOR_CONFIG_DIR", filepath.Join(c.KafkaHome, "config"))
	c.DataDir = e.get("SUPERVISOR_DATA_DIR", "/var/lib/kafka")
	if !filepath.IsAbs(c.DataDir) {
		return nil, &Error{"SUPERVISOR_DATA_DIR", fmt.Sprintf("%q is not absolute", c.DataDir), "an absolute path"}
	}
	c.RunDir = e.get("SUPERVISOR_RUN_DIR", filepath.Join(c.DataDir, "run"))
	c.LogDir = e.get("LOG_DIR", filepath.Join(c.DataDir, "logs"))
	c.JavaTmpDir = javaTmpDir(e.get("KAFKA_OPTS", ""), c.DataDir, unix.Access(systemTmp, unix.W_OK|unix.X_OK) == nil)
	c.HTTPAddr = e.get("SUPERVISOR_HTTP_ADDR", ":8080")
	if _, err := hostPort("SUPERVISOR_HTTP_ADDR", c.HTTPAddr, true); err != nil {
		return nil, err
	}
	if c.StopTimeout, err = duration(e, "SUPERVISOR_STOP_TIMEOUT", 12*time.Second); err != nil {
		return nil, err
	}
	if c.StartTimeout, err = duration(e, "SUPERVISOR_START_TIMEOUT", 2*time.Minute); err != nil {
		return nil, err
	}
	if c.Restart, err = loadRestart(e); err != nil {
		return nil, err
	}
	if c.Checks, err = loadChecks(e); err != nil {
		return nil, err
	}
	switch c.LogFormat = e.get("SUPERVISOR_LOG_FORMAT", "text"); c.LogFormat {
	case "text", "json":
	default:
		return nil, &Error{"SUPERVISOR_LOG_FORMAT", fmt.Sprintf("%q is not a format", c.LogFormat), "text or json"}
	}
	level := e.get("SUPERVISOR_LOG_LEVEL", "info")
	if c.LogLevel = hclog.LevelFromString(level); c.LogLevel == hclog.NoLevel {
		return nil, &Error{"SUPERVISOR_LOG_LEVEL", fmt.Sprintf("%q is not a level", level), "trace, debug, info, warn or error"}
	}
	serverLevel := e.get("SUPERVISOR_SERVER_LOG_LEVEL", "info")
	if c.ServerLogLevel = hclog.LevelFromString(serverLevel); c.ServerLogLevel == hclog.NoLevel {
		return nil, &Error{"SUPERVISOR_SERVER_LOG_LEVEL", fmt.Sprintf("%q is not a level", serverLevel), "trace, debug, info, warn or error"}
	}
	if err := c.loadVersion(e); err != nil {
		return nil, err
	}
	if err := c.loadMode(e); err != nil {
		return nil, err
	}
	if c.Role.RunsZooKeeper() {
		if err := c.loadZooKeeper(e, env); err != nil {
			return nil, err
		}
	}
	if c.Role.RunsKafka() {
		if err := c.loadKafka(e, env); err != nil {
			return nil, err
		}
	}
	if err := c.checkRunDir(); err != nil {
		return nil, err
	}
	return c, nil
}

// kafkaHome finds the distribution: KAFKA_HOME, else /opt/kafka, else the
// one /opt/kafka_* directory (the seed image's /opt/kafka_2.10-0.8.2.1).
func kafkaHome(home string) (string, error) {
	if home == "" {
		candidates, _ := filepath.Glob("/opt/kafka_*")
		if _, err := os.Stat("/opt/kafka"); err == nil {
			candidates = []string{"/opt/kafka"}
		}
		if len(candidates) != 1 {
			return "", &Error{"KAFKA_HOME", "unset, and no single /opt/kafka or /opt/kafka_* found", "the Kafka distribution directory"}
		}
		home = candidates[0]
	}
	if _, err := os.Stat(filepath.Join(home, "bin", "kafka-server-start.sh")); err != nil {
		return "", &Error{"KAFKA_HOME", fmt.Sprintf("%s has no bin/kafka-server-start.sh", home), "the Kafka distribution directory"}
	}
	return home, nil
}

// jarVersion matches the broker's jar, libs/kafka_<scala>-<version>.jar.
var jarVersion = regexp.MustCompile(`^kafka_[0-9.]+-([0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?)\.jar$`)

func (c *Config) loadVersion(e env) error {
	c.Version = e.get("KAFKA_VERSION", "")
	if c.Version == "" {
		entries, _ := os.ReadDir(filepath.Join(c.KafkaHome, "libs"))
		for _, ent := range entries {
			if m := jarVersion.FindStringSubmatch(ent.Name()); m != nil {
				c.Version = m[1]
				break
			}
		}
		if c.Version == "" {
			return &Error{"KAFKA_VERSION", fmt.Sprintf("unset, and no libs/kafka_<scala>-<version>.jar in %s", c.KafkaHome), "a version such as 3.9.1"}
		}
	}
	v, err := sarama.ParseKafkaVersion(c.Version)
	if err != nil {
		return &Error{"KAFKA_VERSION", fmt.Sprintf("%q is not a version", c.Version), "a version such as 3.9.1 or 0.8.2.1"}
	}
	c.Sarama = v
	return nil
}

// legacyListeners reports whether the broker predates listeners (0.8.x,
// which knows host.name, port and advertised.host.name only).
func (c *Config) legacyListeners() bool { return !c.Sarama.IsAtLeast(sarama.V0_9_0_0) }

func (c *Config) loadZooKeeper(e env, environ []string) error {
	path := filepath.Join(c.ConfigDir, ZooKeeperFile)
	file, err := readProps(path)
	if err != nil {
		return err
	}
	port := e.get("ZOOKEEPER_CLIENT_PORT", "2181")
	if _, err := portNumber("ZOOKEEPER_CLIENT_PORT", port); err != nil {
		return err
	}
	c.ZooKeeperDataDir = e.get("ZOOKEEPER_DATA_DIR", filepath.Join(c.DataDir, "zookeeper"))
	set := []props.KV{{Key: "dataDir", Value: c.ZooKeeperDataDir}, {Key: "clientPort", Value: port}}
	ensemble, err := c.loadEnsemble(e, file, path)
	if err != nil {
		return err
	}
	set = append(set, ensemble...)
	extra, err := envprops.FromEnv(environ, envprops.ZooKeeperPrefix, reservedZooKeeper, append(file.Keys(), c.zooKeeperKeys()...))
	if err != nil {
		return err
	}
	if err := c.checkProps(e, "zookeeper", set, extra); err != nil {
		return err
	}
	c.ZooKeeperProps = merge(set, extra)
	if err := c.checkBase(e, "zookeeper", path, file, c.ZooKeeperProps); err != nil {
		return err
	}
	if err := c.render(file, c.ZooKeeperProps, extra); err != nil {
		return err
	}
	c.ZooKeeperLocal = net.JoinHostPort("127.0.0.1", port)
	return nil
}

// zooKeeperModeDefaults are written for a broker in ZooKeeper mode when
// neither the base file nor a variable gives them. The broker's controlled
// shutdown asks the controller to move its leaderships away and retries
// (controlled.shutdown.max.retries, 3) when some remain. The last live
// broker of a cluster, whose partitions have no other live replica left,
// fails every attempt, and with Kafka's 5 s between attempts its stop
// took 12.0 s (median of 3, 11.9–15.2; 3.9.1, two brokers, RF 2, the
// other one stopped first), about SUPERVISOR_STOP_TIMEOUT's default. With
// 1 s it took 4.9 s (4.4–5.4), and two retries still span the 2 s or so a
// new controller takes.
var zooKeeperModeDefaults = []props.KV{
	{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
}

func (c *Config) loadKafka(e env, environ []string) error {
	path := filepath.Join(c.ConfigDir, ServerFile)
	file, err := readProps(path)
	if err != nil {
		return err
	}
	bindHost := e.get("KAFKA_HOST_NAME", "0.0.0.0")
	port := e.get("KAFKA_PORT", "9092")
	if _, err := portNumber("KAFKA_PORT", port); err != nil {
		return err
	}
	advHost := e.get("KAFKA_ADVERTISED_HOST_NAME", "localhost")
	advPort := e.get("KAFKA_ADVERTISED_PORT", port)
	if _, err := portNumber("KAFKA_ADVERTISED_PORT", advPort); err != nil {
		return err
	}
	for _, v := range []string{"KAFKA_HOST_NAME", "KAFKA_ADVERTISED_HOST_NAME"} {
		if h := e.get(v, "x"); net.ParseIP(h) == nil && strings.ContainsAny(h, " :/\n\r\x00") {
			return &Error{v, fmt.Sprintf("%q is not a host name", h), "a host name or IP address"}
		}
	}
	// log.dirs wins over log.dir in the broker: a log.dir given alone is used.
	c.KafkaDataDirs = strings.Split(e.get("KAFKA_LOG_DIRS", e.get("KAFKA_LOG_DIR", filepath.Join(c.DataDir, "kafka"))), ",")
	var set []props.KV
	var unset []string
	if c.Mode == ModeKRaft {
		self := bindHost
		if self == "0.0.0.0" || self == "::" {
			self = "localhost"
		}
		if set, unset, err = c.kraftSettings(e, self); err != nil {
			return err
		}
	} else {
		if c.BrokerID, err = brokerID(e.get("KAFKA_BROKER_ID", "0"), e.get("HOSTNAME", "")); err != nil {
			return err
		}
		zkDefault := "localhost:2181"
		if c.Role == RoleAll {
			zkDefault = "localhost:" + e.get("ZOOKEEPER_CLIENT_PORT", "2181")
		}
		connect := e.get("KAFKA_ZOOKEEPER_CONNECT", zkDefault)
		if c.ZooKeeper, c.ZooKeeperChroot, err = zookeeperConnect(connect); err != nil {
			return err
		}
		set = []props.KV{
			{Key: "broker.id", Value: strconv.Itoa(c.BrokerID)},
			{Key: "zookeeper.connect", Value: connect},
		}
	}
	set = append(set, props.KV{Key: "log.dirs", Value: strings.Join(c.KafkaDataDirs, ",")})
	if c.legacyListeners() {
		set = append(set,
			props.KV{Key: "host.name", Value: bindHost},
			props.KV{Key: "port", Value: port},
			props.KV{Key: "advertised.host.name", Value: advHost},
			props.KV{Key: "advertised.port", Value: advPort})
	} else if c.Role == RoleController {
		// Clients never reach a controller apart: it has its controller
		// listener only, and advertises none.
		listeners := controllerListenerFor(e, bindHost)
		c.listenersVar = "KAFKA_CONTROLLER_PORT"
		if l := e.get("KAFKA_LISTENERS", ""); l != "" {
			c.listenersVar = "KAFKA_LISTENERS"
			listeners = l
		}
		set = append(set, props.KV{Key: "listeners", Value: listeners})
	} else {
		listeners := "PLAINTEXT://" + net.JoinHostPort(bindHost, port)
		advertised := "PLAINTEXT://" + net.JoinHostPort(advHost, advPort)
		c.listenersVar = "KAFKA_PORT"
		if l := e.get("KAFKA_LISTENERS", ""); l != "" {
			c.listenersVar = "KAFKA_LISTENERS"
			// The broker's own default: advertise what it listens on.
			listeners, advertised = l, l
		}
		set = append(set,
			props.KV{Key: "listeners", Value: listeners},
			props.KV{Key: "advertised.listeners", Value: advertised})
	}
	if c.Mode != ModeKRaft {
		for _, kv := range zooKeeperModeDefaults {
			if _, ok := file.Get(kv.Key); !ok {
				set = append(set, kv)
			}
		}
	}
	extra, err := envprops.FromEnv(environ, envprops.KafkaPrefix, reservedKafka, nil)
	if err != nil {
		return err
	}
	if c.Mode == ModeKRaft {
		set = append(set, fastRestart(file, extra)...)
	}
	if err := c.checkProps(e, "kafka", set, extra); err != nil {
		return err
	}
	c.KafkaProps = merge(set, extra)
	if c.Mode == ModeKRaft {
		// A controller's listener is added to whatever lists the
		// listeners, and kept out of what clients are sent to. A broker
		// apart listens on none, but must know its protocol.
		kvs := c.KafkaProps
		if c.Role.IsController() {
			kvs = upsert(kvs, "listeners", withController(valueOf(kvs, "listeners"), controllerListenerFor(e, bindHost)))
		}
		var adv []string
		if c.Role.IsBroker() {
			adv = append(adv, withoutController(valueOf(kvs, "advertised.listeners")))
		}
		if c.Role.IsController() && c.KRaft.Bootstrap != "" {
			// A dynamic quorum's voter is known by what it advertises: its
			// entry of the initial controllers, or the advertised host.
			addr := net.JoinHostPort(advHost, e.get("KAFKA_CONTROLLER_PORT", "9093"))
			if v, ok := c.KRaft.self(); ok && c.KRaft.Initial {
				addr = v.Addr
			}
			adv = append(adv, controllerListener+"://"+addr)
		}
		if len(adv) > 0 {
			kvs = upsert(kvs, "advertised.listeners", strings.Join(adv, ","))
		}
		base, _ := file.Get("listener.security.protocol.map")
		c.KafkaProps = upsert(kvs, "listener.security.protocol.map", withControllerProtocol(e.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", base)))
	}
	if err := c.checkBase(e, "kafka", path, file, c.KafkaProps); err != nil {
		return err
	}
	var removed []props.KV
	for _, key := range unset {
		if slices.ContainsFunc(c.KafkaProps, func(kv props.KV) bool { return kv.Key == key }) {
			continue // a variable sets it
		}
		if v, ok := file.Get(key); ok && file.Unset(key) {
			removed = append(removed, props.KV{Key: key, Value: v})
		}
	}
	if err := c.render(file, c.KafkaProps, extra); err != nil {
		return err
	}
	c.files[len(c.files)-1].removed = removed
	for _, p := range extra {
		if p.Key == "log.dirs" {
			c.KafkaDataDirs = strings.Split(p.Value, ",")
		}
	}
	if c.Role.IsController() {
		if c.Controller, err = controllerAddr(valueOf(c.KafkaProps, "listeners")); err != nil {
			return err
		}
	}
	if c.Role.IsBroker() {
		if c.Bootstrap, err = bootstrap(c.KafkaProps); err != nil {
			return err
		}
	}
	if c.Mode == ModeKRaft {
		if err := c.inspectStorage(valueOf(c.KafkaProps, "metadata.log.dir")); err != nil {
			return err
		}
	}
	return c.loadTopics(e)
}

// loadTopics reads KAFKA_CREATE_TOPICS and the file KAFKA_TOPICS_FILE
// names, and checks them against the broker version and the role.
func (c *Config) loadTopics(e env) error {
	const listVar, fileVar = "KAFKA_CREATE_TOPICS", "KAFKA_TOPICS_FILE"
	specErr := func(name string, err error, want string) error {
		return &Error{name, strings.Replace(err.Error(), topics.ErrSpec.Error()+": ", "", 1), want}
	}
	list, err := topics.Parse(e.get(listVar, ""))
	if err != nil {
		return specErr(listVar, err, "name:partitions:replicas[:cleanup.policy],…")
	}
	var file []topics.Spec
	if path := e.get(fileVar, ""); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return &Error{fileVar, err.Error(), "a readable file"}
		}
		file, err = topics.ParseFile(f)
		f.Close()
		if err != nil {
			return specErr(fileVar, fmt.Errorf("%s %w", path, err), "lines of name:partitions:replicas[:cleanup.policy] [key=value …]")
		}
	}
	for _, src := range []struct {
		name  string
		specs []topics.Spec
	}{{listVar, list}, {fileVar, file}} {
		if len(src.specs) == 0 {
			continue
		}
		if c.Role == RoleController {
			return &Error{src.name, "topics, but role controller runs no broker to create them on", "no topics (they are created by a broker's supervisor)"}
		}
		if err := topics.CheckConfigs(src.specs, c.Sarama); err != nil {
			return specErr(src.name, err, "")
		}
		for _, t := range src.specs {
			// Role all is one broker with a ZooKeeper of its own.
			if (c.Role == RoleAll || c.Role == RoleCombined) && t.Replicas > 1 {
				return &Error{src.name, fmt.Sprintf("topic %q: replicas %d, but role all runs one broker", t.Name, t.Replicas), "replicas 1 (or SUPERVISOR_ROLE=kafka in a cluster)"}
			}
			if src.name == fileVar && slices.ContainsFunc(list, func(l topics.Spec) bool { return l.Name == t.Name }) {
				return &Error{fileVar, fmt.Sprintf("topic %q is also in %s", t.Name, listVar), "each topic in one place"}
			}
		}
	}
	c.Topics = append(list, file...)
	return nil
}

// render sets the properties on the base file in memory, so that a value
// the file cannot hold is refused before anything is written, and keeps
// the result, with what each property was in the base, for Prepare and
// WritePlan. The error names the variable that gave the value.
func (c *Config) render(file *props.Source, kvs []props.KV, extra []envprops.Property) error {
	r := &rendered{name: filepath.Base(file.Path), base: file.Path, file: file.File}
	for _, kv := range kvs {
		old, inBase := file.Get(kv.Key)
		if err := file.Set(kv.Key, kv.Value); err != nil {
			name := "the supervisor's default for " + kv.Key
			for _, p := range extra {
				if p.Key == kv.Key {
					name = p.Var
				}
			}
			return &Error{Var: name, Msg: err.Error(), Want: "printable text on one line"}
		}
		r.changes = append(r.changes, change{KV: kv, base: old, inBase: inBase})
	}
	c.files = append(c.files, r)
	return nil
}

// merge puts the variables' properties after the defaults, replacing a
// default of the same key in place. An empty variable leaves a default
// alone (KAFKA_LISTENERS= is unset), but sets any other property empty.
func merge(defaults []props.KV, extra []envprops.Property) []props.KV {
	out := slices.Clone(defaults)
	for _, p := range extra {
		i := slices.IndexFunc(out, func(kv props.KV) bool { return kv.Key == p.Key })
		if i >= 0 {
			if p.Value != "" {
				out[i].Value = p.Value
			}
			continue
		}
		out = append(out, props.KV{Key: p.Key, Value: p.Value})
	}
	return out
}

// upsert sets key to value in kvs, in place or at the end.
func upsert(kvs []props.KV, key, value string) []props.KV {
	if i := slices.IndexFunc(kvs, func(kv props.KV) bool { return kv.Key == key }); i >= 0 {
		kvs[i].Value = value
		return kvs
	}
	return append(kvs, props.KV{Key: key, Value: value})
}

// valueOf returns the value of key in kvs, or "".
func valueOf(kvs []props.KV, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// bootstrap finds where the supervisor reaches its own broker: the first
// PLAINTEXT listener (the supervisor's client speaks no TLS nor SASL), or
// host.name and port, with a wildcard host read as loopback.
func bootstrap(kvs []props.KV) (string, error) {
	get := func(k string) string { return valueOf(kvs, k) }
	host, port := get("host.name"), get("port")
	if l := get("listeners"); l != "" {
		protocols := map[string]string{"PLAINTEXT": "PLAINTEXT"}
		if m := get("listener.security.protocol.map"); m != "" {
			for _, pair := range strings.Split(m, ",") {
				name, proto, _ := strings.Cut(strings.TrimSpace(pair), ":")
				protocols[strings.ToUpper(name)] = strings.ToUpper(proto)
			}
		}
		found := false
		controllers := strings.Split(strings.ToUpper(get("controller.listener.names")), ",")
		for _, listener := range strings.Split(l, ",") {
			name, addr, ok := strings.Cut(strings.TrimSpace(listener), "://")
			h, p, err := net.SplitHostPort(addr)
			if !ok || err != nil {
				return "", &Error{"KAFKA_LISTENERS", fmt.Sprintf("%q is not a listener list", l), "NAME://host:port,…"}
			}
			// Metadata is asked of a broker listener, never a controller's.
			if !found && protocols[strings.ToUpper(name)] == "PLAINTEXT" && !slices.Contains(controllers, strings.ToUpper(name)) {
				host, port, found = h, p, true
			}
		}
		if !found {
			return "", &Error{"KAFKA_LISTENERS", fmt.Sprintf("%q has no PLAINTEXT listener", l), "a PLAINTEXT listener the supervisor can check the broker on"}
		}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// zookeeperConnect checks host:port[,host:port…][/chroot] and returns the
// pairs and the chroot ("" or "/path", without a trailing slash).
func zookeeperConnect(s string) ([]string, string, error) {
	hosts, chroot, found := strings.Cut(s, "/")
	bad := &Error{"KAFKA_ZOOKEEPER_CONNECT", fmt.Sprintf("%q is not a connect string", s), "host:port[,host:port…][/chroot]"}
	if found {
		chroot = "/" + chroot
		// ZooKeeper refuses such paths, and the broker would die on them.
		if strings.ContainsAny(chroot, " \n\r\x00") || strings.Contains(chroot, "//") || len(chroot) > 1 && strings.HasSuffix(chroot, "/") {
			return nil, "", bad
		}
		chroot = strings.TrimSuffix(chroot, "/")
	}
	var out []string
	for _, hp := range strings.Split(hosts, ",") {
		if !strings.Contains(hp, ":") && hp != "" {
			hp += ":2181" // ZooKeeper's own default
		}
		if _, err := hostPort("KAFKA_ZOOKEEPER_CONNECT", hp, false); err != nil {
			return nil, "", bad
		}
		out = append(out, hp)
	}
	return out, chroot, nil
}

func hostPort(name, s string, emptyHost bool) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil || (host == "" && !emptyHost) {
		return "", &Error{name, fmt.Sprintf("%q is not host:port", s), "host:port"}
	}
	if _, err := portNumber(name, port); err != nil {
		return "", err
	}
	return port, nil
}

func portNumber(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, &Error{name, fmt.Sprintf("%q is not a port", s), "a number from 1 to 65535"}
	}
	return n, nil
}

// duration reads a Go duration ("30s") or a whole number of seconds.
func duration(e env, name string, def time.Duration) (time.Duration, error) {
	s := e.get(name, "")
	if s == "" {
		return def, nil
	}
	const most = 24 * time.Hour
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= int(most/time.Second) {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > most {
		return 0, &Error{name, fmt.Sprintf("%q is not a duration", s), "a positive duration up to 24h such as 20s, or seconds"}
	}
	return d, nil
}

func readProps(path string) (*props.Source, error) {
	src, err := props.Read(path)
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr):
		return nil, &Error{Var: path, Msg: pathErr.Err.Error(), Want: "a readable properties file (see SUPERVISOR_CONFIG_DIR)"}
	case err != nil:
		return nil, &Error{Var: path, Msg: strings.TrimPrefix(err.Error(), "read "+path+": ")}
	}
	return src, nil
}

// env looks variables up, the last definition winning as in a shell.
type env map[string]string

// lookup indexes the environment, leaving out Kubernetes service links
// (KAFKA_PORT=tcp://… for a Service named kafka), which it records.
func (c *Config) lookup(environ []string) env {
	e := make(env, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if envprops.IsServiceLink(k, v) {
			c.Ignored = append(c.Ignored, k)
			continue
		}
		e[k] = v
	}
	return e
}

// get returns the variable's value, or def when it is unset or empty.
func (e env) get(name, def string) string {
	if v := e[name]; v != "" {
		return v
	}
	return def
}

// systemTmp is the JVM's java.io.tmpdir on Linux, whatever TMPDIR says.
const systemTmp = "/tmp"

// javaTmpDir returns the broker's java.io.tmpdir, <dataDir>/tmp, when
// systemTmp is not writable and KAFKA_OPTS (opts) names none, else "".
// The broker's compression libraries (snappy, zstd, lz4) unpack their
// native code there when they are first used: on a read-only root file
// system (docker run --read-only, readOnlyRootFilesystem) the first
// snappy batch produced is refused with UNKNOWN_SERVER_ERROR otherwise.
func javaTmpDir(opts, dataDir string, writable bool) string {
	if writable || strings.Contains(opts, "-Djava.io.tmpdir=") {
		return ""
	}
	return filepath.Join(dataDir, "tmp")
}
