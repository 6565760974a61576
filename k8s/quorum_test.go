package k8s_test

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
)

// node is one pod of a KRaft StatefulSet as its supervisor sees itself.
type node struct {
	object
	pod string
	sts *appsv1.StatefulSet
	cfg *config.Config
	// controllerPort is KAFKA_CONTROLLER_PORT's, where a controller listens.
	controllerPort string
}

// kraftNodes are the pods of the KRaft StatefulSets of these manifests,
// each with the configuration its supervisor loads (ordinal and all):
// every ordinal from spec.ordinals.start on. A pod whose environment the
// supervisor refuses is left out (checkConfig reports it).
func kraftNodes(ws []workload, d distributions) []node {
	var out []node
	for _, w := range ws {
		sts, ok := w.obj.(*appsv1.StatefulSet)
		if !ok {
			continue
		}
		for _, c := range supervisorContainers(w.spec) {
			for i := range replicas(sts) {
				pod := fmt.Sprintf("%s-%d", sts.Name, firstOrdinal(sts)+i)
				cfg, err := loadConfig(pod, c, d)
				if err != nil || cfg.Mode != config.ModeKRaft {
					continue
				}
				out = append(out, node{w.object, pod, sts, cfg, envValue(c, "KAFKA_CONTROLLER_PORT", "9093")})
			}
		}
	}
	return out
}

// quorumKey names a quorum by its voters as written: the nodes that give
// the same are one cluster.
func quorumKey(voters []config.Voter) string {
	var s []string
	for _, v := range voters {
		s = append(s, strconv.Itoa(v.ID)+"@"+v.Addr)
	}
	return strings.Join(s, ",")
}

// checkQuorums: in each KRaft cluster of StatefulSets, the voters of
// KAFKA_CONTROLLER_QUORUM_VOTERS are the controller pods by their stable
// names (each voter's id the node id of the pod it names, its port that
// pod's controller port, every pod of the controllers' set named), no two
// pods have one node id, every node has the one KAFKA_CLUSTER_ID, and the
// brokers' cluster defaults are the controllers' (checkClusterDefaults). A
// voter no pod answers, or a broker that takes a controller's id, never
// joins; nodes formatted with two cluster ids never form one cluster.
func checkQuorums(ws []workload, d distributions) []error {
	nodes := kraftNodes(ws, d)
	byMember := map[string]node{}
	for _, n := range nodes {
		byMember[n.pod+"."+n.sts.Spec.ServiceName] = n
	}
	var errs []error
	seen := map[string]bool{} // each set's voters checked once
	clusters := map[string][]node{}
	var order []string
	for _, n := range nodes {
		key := quorumKey(n.cfg.KRaft.Voters)
		if _, ok := clusters[key]; !ok {
			order = append(order, key)
		}
		clusters[key] = append(clusters[key], n)
		if seen[n.sts.Name] {
			continue
		}
		seen[n.sts.Name] = true
		where := fmt.Sprintf("%s: KAFKA_CONTROLLER_QUORUM_VOTERS", n.object)
		named := map[string]int{}
		unknown := false
		for _, v := range n.cfg.KRaft.Voters {
			host, port, _ := net.SplitHostPort(v.Addr)
			var m node
			found := false
			for member, cand := range byMember {
				if sameName(host, member) {
					m, found = cand, true
				}
			}
			switch {
			case !found:
				errs = append(errs, fmt.Errorf("%s: voter %d is %s, which is no pod of a KRaft StatefulSet of these manifests under its headless Service", where, v.ID, host))
				unknown = true
				continue
			case !m.cfg.Role.IsController():
				errs = append(errs, fmt.Errorf("%s: voter %d is %s, whose role %s is no controller", where, v.ID, m.pod, m.cfg.Role))
			case m.cfg.KRaft.NodeID != v.ID:
				errs = append(errs, fmt.Errorf("%s: voter %d is %s, which is node %d", where, v.ID, m.pod, m.cfg.KRaft.NodeID))
			case port != m.controllerPort:
				errs = append(errs, fmt.Errorf("%s: voter %d is %s:%s, but %s's controller listens on port %s (KAFKA_CONTROLLER_PORT)", where, v.ID, host, port, m.pod, m.controllerPort))
			}
			named[m.sts.Name]++
		}
		for name, k := range named {
			sts := byName(nodes, name)
			if r := replicas(sts); !unknown && k != r && slices.ContainsFunc(nodes, func(o node) bool { return o.sts == sts && o.cfg.Role.IsController() }) {
				errs = append(errs, fmt.Errorf("%s: names %d of the %d controllers of StatefulSet %s", where, k, r, name))
			}
		}
	}
	for _, key := range order {
		members := clusters[key]
		pods := map[int][]string{}
		var ids []int
		for _, n := range members {
			if _, ok := pods[n.cfg.KRaft.NodeID]; !ok {
				ids = append(ids, n.cfg.KRaft.NodeID)
			}
			pods[n.cfg.KRaft.NodeID] = append(pods[n.cfg.KRaft.NodeID], n.pod)
		}
		for _, id := range ids {
			if len(pods[id]) > 1 {
				errs = append(errs, fmt.Errorf("KRaft cluster of voters %s: pods %s are all node %d: each node needs an id of its own (KAFKA_NODE_ID=ordinal, and spec.ordinals.start apart for each StatefulSet)", voterIDs(members[0].cfg.KRaft.Voters), strings.Join(pods[id], ", "), id))
			}
		}
		first := members[0]
		errs = append(errs, checkClusterDefaults(members)...)
		for _, n := range members[1:] {
			if n.cfg.KRaft.ClusterID != first.cfg.KRaft.ClusterID {
				errs = append(errs, fmt.Errorf("%s: KAFKA_CLUSTER_ID is %q, but %s of the same quorum has %q: nodes formatted with two ids never form one cluster", n.object, n.cfg.KRaft.ClusterID, first.pod, first.cfg.KRaft.ClusterID))
				break
			}
		}
	}
	return errs
}

func byName(nodes []node, name string) *appsv1.StatefulSet {
	for _, n := range nodes {
		if n.sts.Name == name {
			return n.sts
		}
	}
	return nil
}

func voterIDs(voters []config.Voter) string {
	var s []string
	for _, v := range voters {
		s = append(s, strconv.Itoa(v.ID))
	}
	return strings.Join(s, ",")
}

// clusterDefaults are the broker properties whose cluster-wide value, in
// KRaft, is the active controller's: the controller creates the topics
// (default.replication.factor) and keeps min.insync.replicas as a cluster
// default that wins over each broker's own.
var clusterDefaults = []struct{ key, def string }{
	{"default.replication.factor", "1"},
	{"min.insync.replicas", "1"},
}

// checkClusterDefaults: the brokers of a cluster with controllers apart
// set clusterDefaults as its controllers do, or theirs would be ignored.
func checkClusterDefaults(members []node) []error {
	var errs []error
	reported := map[string]bool{}
	for _, c := range members {
		if c.cfg.Role != config.RoleController {
			continue
		}
		for _, b := range members {
			if !b.cfg.Role.IsBroker() {
				continue
			}
			for _, p := range clusterDefaults {
				have, want := propValue(b.cfg.KafkaProps, p.key, p.def), propValue(c.cfg.KafkaProps, p.key, p.def)
				key := b.sts.Name + "/" + c.sts.Name + "/" + p.key
				if have != want && !reported[key] {
					reported[key] = true
					errs = append(errs, fmt.Errorf("%s: %s is %s, but the controllers of its quorum (StatefulSet %s) have %s: in KRaft the active controller's is the cluster's (set it on the controllers too)", b.object, p.key, have, c.sts.Name, want))
				}
			}
		}
	}
	return errs
}
