// Package k8s_test checks the manifests in this directory as the API
// server would decode them (strict, case-sensitive, into the k8s.io/api
// types), and checks that they fit the supervisor and each other:
// selectors, probes, variables, grace periods, published ports, the
// names the members of a cluster use for each other, and the quorum of a
// KRaft cluster (voters, node ids, cluster id). Each container's
// environment is loaded by config.Load against a distribution of its
// image's version (3.9.1, or 4.4.0 for the KRaft manifests).
//
// manifest_test.go reads the manifests, checks_test.go, wiring_test.go
// and quorum_test.go hold the checks, and this file runs them on
// k8s/*.yaml and on the broken fixtures in testdata/.
package k8s_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
)

// checkAll runs every check on one set of manifests.
func checkAll(objs []object, vars variables, dists distributions) []error {
	ws, errs := workloads(objs)
	errs = append(errs, checkServices(objs, ws)...)
	errs = append(errs, checkPDBs(objs, ws)...)
	for _, w := range ws {
		errs = append(errs, checkProbes(w)...)
		errs = append(errs, checkEnv(w, vars)...)
		errs = append(errs, checkGrace(w, dists)...)
		errs = append(errs, checkServiceLinks(w)...)
		errs = append(errs, checkConfig(w, dists)...)
		errs = append(errs, checkPodWiring(w, dists)...)
	}
	errs = append(errs, checkClusterWiring(objs, ws, dists)...)
	errs = append(errs, checkQuorums(ws, dists)...)
	return errs
}

// fixtures are the documented variables and the distributions the
// supervisor's checks run against: config's test copies of 3.9.1 (the
// default) and 4.4.0, the versions of the manifests' images.
func fixtures(t *testing.T) (variables, distributions) {
	t.Helper()
	vars, err := readVariables(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	dists := distributions{}
	for _, v := range []string{defaultVersion, "4.4.0"} {
		home, err := filepath.Abs(filepath.Join("..", "internal", "config", "testdata", "dist-"+v))
		if err != nil {
			t.Fatal(err)
		}
		dists[v] = home
	}
	return vars, dists
}

func manifests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no manifest in k8s/")
	}
	return files
}

// TestManifests decodes every manifest here and checks them together (the
// Services of one file select the pods of another).
func TestManifests(t *testing.T) {
	vars, dists := fixtures(t)
	objs, err := load(".", manifests(t)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkAll(objs, vars, dists) {
		t.Error(err)
	}
}

// TestDefaults: the defaults the checks assume are the supervisor's.
func TestDefaults(t *testing.T) {
	_, dists := fixtures(t)
	cfg, err := config.Load([]string{"KAFKA_HOME=" + dists[defaultVersion]})
	if err != nil {
		t.Fatal(err)
	}
	if want, have := defaultHTTPAddr, cfg.HTTPAddr; want != have {
		t.Errorf("SUPERVISOR_HTTP_ADDR: want %s, have %s", want, have)
	}
	if want, have := defaultStopTimeout, cfg.StopTimeout; want != have {
		t.Errorf("SUPERVISOR_STOP_TIMEOUT: want %v, have %v", want, have)
	}
}

// TestSeedObjects: kafka-service.yaml and kafka-rc.yaml keep the seed's
// names, labels, selectors and ports.
func TestSeedObjects(t *testing.T) {
	objs, err := load(".", "kafka-service.yaml", "kafka-rc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seed := map[string]string{"app": "kafkaApp"}
	var svc *corev1.Service
	var rc *corev1.ReplicationController
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *corev1.Service:
			svc = v
		case *corev1.ReplicationController:
			rc = v
		}
	}
	if svc == nil || rc == nil {
		t.Fatal("want one Service and one ReplicationController")
	}
	if want, have := "kafka", svc.Name; want != have {
		t.Errorf("Service: want name %s, have %s", want, have)
	}
	if want, have := "kafka-rc", rc.Name; want != have {
		t.Errorf("ReplicationController: want name %s, have %s", want, have)
	}
	for what, m := range map[string]map[string]string{
		"Service labels": svc.Labels, "Service selector": svc.Spec.Selector,
		"RC labels": rc.Labels, "RC selector": rc.Spec.Selector, "pod labels": rc.Spec.Template.Labels,
	} {
		if fmt.Sprint(m) != fmt.Sprint(seed) {
			t.Errorf("%s: want %v, have %v", what, seed, m)
		}
	}
	var ports []int32
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Port)
	}
	if want, have := fmt.Sprint([]int32{9092, 2181}), fmt.Sprint(ports); want != have {
		t.Errorf("Service ports: want %s, have %s", want, have)
	}
	if rc.Spec.Replicas == nil || *rc.Spec.Replicas != 1 {
		t.Errorf("RC: want 1 replica (each replica is a cluster of its own)")
	}
}

// goodFixtures are the fixtures the broken ones change in one place.
var goodFixtures = []string{"good.yaml", "good-statefulset.yaml", "good-sidecar.yaml", "good-kraft.yaml", "good-kraft-rc.yaml"}

// brokenFixtures each have one defect, and the error that must name it.
var brokenFixtures = []struct {
	file string
	want string
}{
	{"unknown-field.yaml", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
	{"wrong-case.yaml", `unknown field "spec.template.spec.enableservicelinks"`},
	{"duplicate-key.yaml", `key "image" already set`},
	{"unknown-kind.yaml", "unknown kind apps/v1/ReplicaSet"},
	{"rc-selector.yaml", "does not match its pod template's labels"},
	{"service-selector.yaml", "matches no pods of these manifests"},
	{"service-target.yaml", "targets kafak, which"},
	{"zookeeper-loadbalancer.yaml", "publishes ZooKeeper's port 2181 outside the cluster"},
	{"readiness-path.yaml", "readinessProbe asks /livez, want /readyz"},
	{"liveness-port.yaml", "livenessProbe port 9092 is not the supervisor's 8080"},
	{"probe-http-addr.yaml", "readinessProbe port health is not the supervisor's 8081"},
	{"no-liveness.yaml", "no livenessProbe"},
	{"unknown-variable.yaml", "SUPERVISOR_STOP_TIMOUT: no such variable; did you mean SUPERVISOR_STOP_TIMEOUT?"},
	{"undefined-reference.yaml", "refers to $(POD_IP), which is not defined before it"},
	{"short-grace.yaml", "does not cover the ordered stop of 24s"},
	{"long-stop-timeout.yaml", "does not cover the ordered stop of 40s"},
	{"service-links.yaml", "enableServiceLinks is not false"},
	{"bad-value.yaml", "KAFKA_CREATE_TOPICS"},
	{"pdb-selector.yaml", "PodDisruptionBudget kafka-pdb: selector app=kafak matches no pods"},
	{"statefulset-service.yaml", "does not publish not-ready addresses"},
	{"statefulset-ordered.yaml", "podManagementPolicy is not Parallel"},
	{"ensemble-names.yaml", "ZOOKEEPER_SERVERS entry 2 is zk-1.zookeeper, but that member is zk-1.zk-headless"},
	{"ensemble-size.yaml", "ZOOKEEPER_SERVERS lists 2 servers for 3 replicas"},
	{"advertised-name.yaml", "advertises kafka-1.kafka, not its stable name kafka-1.kafka-headless"},
	{"connect-host.yaml", "KAFKA_ZOOKEEPER_CONNECT names zk-clients:2181"},
	{"topic-replicas.yaml", "topic events wants 4 replicas of 3 brokers"},
	{"min-isr.yaml", "min.insync.replicas 3 of replication factor 3"},
	{"sidecar-health-port.yaml", "containers zookeeper and kafka both serve their health on port 8080"},
	{"sidecar-zookeeper-port.yaml", "reaches ZooKeeper at localhost:2182, but no container of the pod serves it"},
	{"sidecar-plain-init.yaml", "reaches ZooKeeper at localhost:2181, but no container of the pod serves it"},
	{"kraft-short-grace.yaml", "does not cover the ordered stop of 30s"},
	{"kraft-voter-name.yaml", "voter 1 is kraft-controller-1.kraft-controllers.default.svc.cluster.local, which is no pod"},
	{"kraft-voter-id.yaml", "voter 5 is kraft-controller-2, which is node 2"},
	{"kraft-voter-port.yaml", "voter 0 is kraft-controller-0.kraft-controller.default.svc.cluster.local:9092, but kraft-controller-0's controller listens on port 9093"},
	{"kraft-voters-missing.yaml", "names 2 of the 3 controllers of StatefulSet kraft-controller"},
	{"kraft-cluster-id.yaml", `StatefulSet kraft-broker: KAFKA_CLUSTER_ID is "MkU3OEVBNTcwNTJENDM2Qg", but kraft-controller-0 of the same quorum has "yACaJdmdT_WgfTNQTarbIQ"`},
	{"kraft-node-ids.yaml", "pods kraft-broker-100, kraft-broker-101, kraft-broker-102 are all node 100"},
	{"kraft-controller-isr.yaml", "StatefulSet kraft-broker: min.insync.replicas is 2, but the controllers of its quorum (StatefulSet kraft-controller) have 1"},
	{"kraft-broker-ordinals.yaml", "KAFKA_NODE_ID: 1 is a voter of KAFKA_CONTROLLER_QUORUM_VOTERS, but role broker is no controller"},
}

// TestChecksCatch feeds the broken fixtures to the same checks as the
// manifests: exactly the one defect of each must be reported.
func TestChecksCatch(t *testing.T) {
	vars, dists := fixtures(t)
	for _, tc := range brokenFixtures {
		t.Run(tc.file, func(t *testing.T) {
			objs, err := load("testdata", tc.file)
			var errs []error
			if err != nil {
				errs = []error{err}
			} else {
				errs = checkAll(objs, vars, dists)
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("want one error with %q, have %d:\n%v", tc.want, len(errs), errors.Join(errs...))
			}
		})
	}
}

// TestGoodFixtures: the fixtures the broken ones derive from pass.
func TestGoodFixtures(t *testing.T) {
	vars, dists := fixtures(t)
	for _, f := range goodFixtures {
		objs, err := load("testdata", f)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range checkAll(objs, vars, dists) {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestFixturesListed: every file in testdata/ is a good or a broken
// fixture above, so none is left unchecked.
func TestFixturesListed(t *testing.T) {
	listed := map[string]bool{}
	for _, f := range goodFixtures {
		listed[f] = true
	}
	for _, tc := range brokenFixtures {
		listed[tc.file] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s is in no table of k8s_test.go", f)
		}
	}
	if want, have := len(listed), len(files); want != have {
		t.Errorf("want %d fixtures in testdata/, have %d", want, have)
	}
}
