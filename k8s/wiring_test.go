package k8s_test

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// role is the container's SUPERVISOR_ROLE, as given (roleOf is the one
// the supervisor takes).
func role(c *corev1.Container) config.Role {
	return config.Role(envValue(c, "SUPERVISOR_ROLE", string(config.RoleAll)))
}

// usesZooKeeper reports whether a supervisor of role r starts a broker that
// keeps its metadata in ZooKeeper: roles all and kafka of ZooKeeper mode.
func usesZooKeeper(r config.Role) bool { return r == config.RoleAll || r == config.RoleKafka }

// connectHosts are the host:port pairs of KAFKA_ZOOKEEPER_CONNECT, without
// its chroot, as the supervisor defaults it for the role.
func connectHosts(c *corev1.Container) []string {
	def := "localhost:2181"
	if role(c) == config.RoleAll {
		def = "localhost:" + envValue(c, "ZOOKEEPER_CLIENT_PORT", "2181")
	}
	hosts, _, _ := strings.Cut(envValue(c, "KAFKA_ZOOKEEPER_CONNECT", def), "/")
	var out []string
	for _, hp := range strings.Split(hosts, ",") {
		if !strings.Contains(hp, ":") {
			hp += ":2181"
		}
		out = append(out, hp)
	}
	return out
}

func isLoopback(host string) bool {
	return host == "localhost" || net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback()
}

// checkPodWiring: the supervisors of one pod, which share its network,
// serve their health on distinct ports (the second would find its port
// taken and exit), and a Kafka that reaches ZooKeeper on loopback finds a
// ZooKeeper of the pod on that port.
func checkPodWiring(w workload, d distributions) []error {
	var errs []error
	health := map[int32]string{}
	zookeepers := map[string]bool{}
	for _, c := range supervisorContainers(w.spec) {
		if p, err := healthPort(c); err == nil {
			if other, ok := health[p]; ok {
				errs = append(errs, fmt.Errorf("%s: containers %s and %s both serve their health on port %d (SUPERVISOR_HTTP_ADDR)", w.object, other, c.Name, p))
			}
			health[p] = c.Name
		}
		if roleOf(w, c, d).RunsZooKeeper() {
			zookeepers[envValue(c, "ZOOKEEPER_CLIENT_PORT", "2181")] = true
		}
	}
	for _, c := range supervisorContainers(w.spec) {
		if !usesZooKeeper(roleOf(w, c, d)) {
			continue
		}
		for _, hp := range connectHosts(c) {
			host, port, _ := net.SplitHostPort(hp)
			if isLoopback(host) && !zookeepers[port] {
				errs = append(errs, fmt.Errorf("%s: container %s reaches ZooKeeper at %s, but no container of the pod serves it there", w.object, c.Name, hp))
			}
		}
	}
	return errs
}

// cluster indexes the manifests for the names their pods use for each other.
type cluster struct {
	services     map[string]*corev1.Service
	statefulSets map[string]*appsv1.StatefulSet
}

func newCluster(objs []object) cluster {
	cl := cluster{services: map[string]*corev1.Service{}, statefulSets: map[string]*appsv1.StatefulSet{}}
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *corev1.Service:
			cl.services[v.Name] = v
		case *appsv1.StatefulSet:
			cl.statefulSets[v.Name] = v
		}
	}
	return cl
}

// memberName is the stable name of a StatefulSet's pod i (0 for the
// first) under its headless Service: "zk-0.zk-headless".
func memberName(sts *appsv1.StatefulSet, i int) string {
	return fmt.Sprintf("%s-%d.%s", sts.Name, firstOrdinal(sts)+i, sts.Spec.ServiceName)
}

// sameName reports whether host is name, short or qualified with a
// namespace ("zk-client", "zk-client.default.svc.cluster.local").
func sameName(host, name string) bool {
	return host == name || strings.HasPrefix(host, name+".")
}

func replicas(sts *appsv1.StatefulSet) int {
	if sts.Spec.Replicas == nil {
		return 1
	}
	return int(*sts.Spec.Replicas)
}

// serves reports whether a Service of these manifests, or a StatefulSet's
// member under its headless Service, answers host on port.
func (cl cluster) serves(host string, port int32) bool {
	has := func(svc *corev1.Service) bool {
		return svc != nil && slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == port })
	}
	labels := strings.Split(host, ".")
	if has(cl.services[labels[0]]) {
		return true
	}
	for _, sts := range cl.statefulSets {
		for i := range replicas(sts) {
			if sameName(host, memberName(sts, i)) && has(cl.services[sts.Spec.ServiceName]) {
				return true
			}
		}
	}
	return false
}

func propValue(kvs []props.KV, key, def string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value
		}
	}
	return def
}

// checkClusterWiring: the names the members of a cluster use for each
// other are those Kubernetes gives them (ZOOKEEPER_SERVERS lists the
// StatefulSet's members in ordinal order, a broker advertises its own stable
// name, KAFKA_ZOOKEEPER_CONNECT names a Service or member of these
// manifests), and the brokers of a StatefulSet can meet what they are asked
// for (topic replicas, replication factor above min.insync.replicas).
func checkClusterWiring(objs []object, ws []workload, d distributions) []error {
	cl := newCluster(objs)
	var errs []error
	for _, w := range ws {
		sts, _ := w.obj.(*appsv1.StatefulSet)
		for _, c := range supervisorContainers(w.spec) {
			where := fmt.Sprintf("%s: container %s", w.object, c.Name)
			r := roleOf(w, c, d)
			if usesZooKeeper(r) {
				for _, hp := range connectHosts(c) {
					host, port, _ := net.SplitHostPort(hp)
					n, _ := strconv.Atoi(port)
					if !isLoopback(host) && !cl.serves(host, int32(n)) {
						errs = append(errs, fmt.Errorf("%s: KAFKA_ZOOKEEPER_CONNECT names %s, which no Service or StatefulSet member of these manifests serves", where, hp))
					}
				}
			}
			if sts == nil {
				continue
			}
			if servers := envValue(c, "ZOOKEEPER_SERVERS", ""); servers != "" {
				entries := strings.Split(servers, ",")
				if len(entries) != replicas(sts) {
					errs = append(errs, fmt.Errorf("%s: ZOOKEEPER_SERVERS lists %d servers for %d replicas", where, len(entries), replicas(sts)))
				}
				for i, e := range entries {
					host, _, _ := strings.Cut(e, ":")
					if want := memberName(sts, i); !sameName(host, want) {
						errs = append(errs, fmt.Errorf("%s: ZOOKEEPER_SERVERS entry %d is %s, but that member is %s", where, i+1, host, want))
					}
				}
			}
			if !r.IsBroker() {
				continue
			}
			cfg, err := loadConfig(w.podName, c, d)
			if err != nil {
				continue // checkConfig reports it
			}
			for _, l := range strings.Split(propValue(cfg.KafkaProps, "advertised.listeners", ""), ",") {
				_, addr, _ := strings.Cut(l, "://")
				host, _, _ := net.SplitHostPort(addr)
				if want := w.podName + "." + sts.Spec.ServiceName; !sameName(host, want) {
					errs = append(errs, fmt.Errorf("%s: advertises %s, not its stable name %s", where, host, want))
				}
			}
			for _, t := range cfg.Topics {
				if int(t.Replicas) > replicas(sts) {
					errs = append(errs, fmt.Errorf("%s: topic %s wants %d replicas of %d brokers: no broker would ever be ready", where, t.Name, t.Replicas, replicas(sts)))
				}
			}
			rf, _ := strconv.Atoi(propValue(cfg.KafkaProps, "default.replication.factor", "1"))
			isr, _ := strconv.Atoi(propValue(cfg.KafkaProps, "min.insync.replicas", "1"))
			if rf > replicas(sts) {
				errs = append(errs, fmt.Errorf("%s: default.replication.factor %d exceeds the %d brokers", where, rf, replicas(sts)))
			}
			if rf > 1 && isr >= rf {
				errs = append(errs, fmt.Errorf("%s: min.insync.replicas %d of replication factor %d: one broker down stops every write", where, isr, rf))
			}
		}
	}
	return errs
}
