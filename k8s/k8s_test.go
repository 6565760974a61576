// Package k8s_test checks the manifests in this directory as the API
// server would decode them (strict, case-sensitive, into the k8s.io/api
// types), and checks that they fit the supervisor: selectors, probes,
// variables, grace period, published ports.
package k8s_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// The supervisor's defaults, from README's Environment table.
const (
	defaultHTTPAddr    = ":8080"
	defaultStopTimeout = 12 * time.Second
	// defaultGrace is Kubernetes' terminationGracePeriodSeconds.
	defaultGrace = 30 * time.Second
	// graceMargin covers the health server's shutdown and the kubelet's
	// own delays on top of the children's graces.
	graceMargin = 5 * time.Second
)

// zooKeeperPorts are never to be published outside the cluster.
var zooKeeperPorts = []int32{2181, 2888, 3888}

// object is one decoded document.
type object struct {
	file string
	kind string
	name string
	obj  any
}

func (o object) String() string { return fmt.Sprintf("%s: %s %s", o.file, o.kind, o.name) }

// newObject maps apiVersion/kind to the type the API server decodes into.
var newObject = map[string]func() any{
	"v1/Service":                    func() any { return &corev1.Service{} },
	"v1/Pod":                        func() any { return &corev1.Pod{} },
	"v1/ReplicationController":      func() any { return &corev1.ReplicationController{} },
	"apps/v1/StatefulSet":           func() any { return &appsv1.StatefulSet{} },
	"apps/v1/Deployment":            func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decode reads every document of a YAML file strictly: duplicate keys,
// unknown fields and fields in the wrong case fail, as with kubectl's
// server-side field validation.
func decode(file string, data []byte) ([]object, error) {
	var out []object
	for i, doc := range docSeparator.Split(string(data), -1) {
		js, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i+1, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue // comments only
		}
		var tm metav1.TypeMeta
		if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i+1, err)
		}
		if tm.APIVersion == "" || tm.Kind == "" {
			return nil, fmt.Errorf("%s: document %d: no apiVersion and kind", file, i+1)
		}
		mk, ok := newObject[tm.APIVersion+"/"+tm.Kind]
		if !ok {
			return nil, fmt.Errorf("%s: document %d: unknown kind %s/%s", file, i+1, tm.APIVersion, tm.Kind)
		}
		obj := mk()
		strict, err := kjson.UnmarshalStrict(js, obj)
		if err == nil {
			err = errors.Join(strict...)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d (%s): %w", file, i+1, tm.Kind, err)
		}
		name := obj.(metav1.Object).GetName()
		if name == "" {
			return nil, fmt.Errorf("%s: document %d (%s): no metadata.name", file, i+1, tm.Kind)
		}
		out = append(out, object{file: file, kind: tm.Kind, name: name, obj: obj})
	}
	return out, nil
}

// load decodes the files, each named relative to dir.
func load(dir string, files ...string) ([]object, error) {
	var out []object
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		objs, err := decode(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// workload is an object that makes pods: their labels and spec.
type workload struct {
	object
	labels   map[string]string
	spec     *corev1.PodSpec
	podName  string // a name one of its pods gets
	selector labels.Selector
}

func workloads(objs []object) ([]workload, []error) {
	var out []workload
	var errs []error
	for _, o := range objs {
		var w workload
		switch v := o.obj.(type) {
		case *corev1.Pod:
			w = workload{o, v.Labels, &v.Spec, v.Name, labels.Everything()}
		case *corev1.ReplicationController:
			if v.Spec.Template == nil {
				errs = append(errs, fmt.Errorf("%s: no pod template", o))
				continue
			}
			w = workload{o, v.Spec.Template.Labels, &v.Spec.Template.Spec, v.Name + "-x7k2p", nil}
			if len(v.Spec.Selector) == 0 {
				errs = append(errs, fmt.Errorf("%s: empty selector", o))
			}
			w.selector = labels.SelectorFromSet(v.Spec.Selector)
		case *appsv1.StatefulSet:
			w = workload{o, v.Spec.Template.Labels, &v.Spec.Template.Spec, v.Name + "-1", nil}
			w.selector = labelSelector(o, v.Spec.Selector, &errs)
		case *appsv1.Deployment:
			w = workload{o, v.Spec.Template.Labels, &v.Spec.Template.Spec, v.Name + "-5d4f8b9c6-x7k2p", nil}
			w.selector = labelSelector(o, v.Spec.Selector, &errs)
		default:
			continue
		}
		if w.selector != nil && !w.selector.Matches(labels.Set(w.labels)) {
			errs = append(errs, fmt.Errorf("%s: selector %s does not match its pod template's labels %v", o, w.selector, w.labels))
		}
		out = append(out, w)
	}
	return out, errs
}

func labelSelector(o object, s *metav1.LabelSelector, errs *[]error) labels.Selector {
	if s == nil || len(s.MatchLabels)+len(s.MatchExpressions) == 0 {
		*errs = append(*errs, fmt.Errorf("%s: empty selector", o))
		return labels.Nothing()
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: selector: %w", o, err))
		return labels.Nothing()
	}
	return sel
}

// supervisorContainers are the containers that run until the pod stops:
// the containers and the native sidecars (restartPolicy: Always).
func supervisorContainers(spec *corev1.PodSpec) []*corev1.Container {
	var out []*corev1.Container
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	for i := range spec.Containers {
		out = append(out, &spec.Containers[i])
	}
	return out
}

// envValue is the literal value the container sets for name, or def.
func envValue(c *corev1.Container, name, def string) string {
	v := def
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil && e.Value != "" {
			v = e.Value
		}
	}
	return v
}

// healthPort is the port the container's supervisor serves /livez and
// /readyz on: SUPERVISOR_HTTP_ADDR's, or 8080.
func healthPort(c *corev1.Container) (int32, error) {
	addr := envValue(c, "SUPERVISOR_HTTP_ADDR", defaultHTTPAddr)
	i := strings.LastIndex(addr, ":")
	n, err := strconv.Atoi(addr[i+1:])
	if i < 0 || err != nil {
		return 0, fmt.Errorf("SUPERVISOR_HTTP_ADDR=%q has no port", addr)
	}
	return int32(n), nil
}

// containerPort resolves a probe's or Service's target port in c: a number,
// or the name of one of c's ports. ok is false for a name c lacks.
func containerPort(c *corev1.Container, p intstr.IntOrString) (int32, bool) {
	if p.Type == intstr.Int {
		return p.IntVal, true
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

// checkProbes: each supervisor container has a readiness probe on /readyz
// and a liveness probe on /livez (a startup probe on either), on the port
// its supervisor serves.
func checkProbes(w workload) []error {
	var errs []error
	for _, c := range supervisorContainers(w.spec) {
		where := fmt.Sprintf("%s: container %s", w.object, c.Name)
		port, err := healthPort(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		for _, p := range []struct {
			kind  string
			probe *corev1.Probe
			paths []string
		}{
			{"readinessProbe", c.ReadinessProbe, []string{"/readyz"}},
			{"livenessProbe", c.LivenessProbe, []string{"/livez"}},
			{"startupProbe", c.StartupProbe, []string{"/readyz", "/livez"}},
		} {
			if p.probe == nil {
				if p.kind != "startupProbe" {
					errs = append(errs, fmt.Errorf("%s: no %s", where, p.kind))
				}
				continue
			}
			get := p.probe.HTTPGet
			if get == nil {
				errs = append(errs, fmt.Errorf("%s: %s is not an httpGet", where, p.kind))
				continue
			}
			if !slices.Contains(p.paths, get.Path) {
				errs = append(errs, fmt.Errorf("%s: %s asks %s, want %s", where, p.kind, get.Path, strings.Join(p.paths, " or ")))
			}
			if have, ok := containerPort(c, get.Port); !ok || have != port {
				errs = append(errs, fmt.Errorf("%s: %s port %s is not the supervisor's %d (SUPERVISOR_HTTP_ADDR)", where, p.kind, get.Port.String(), port))
			}
		}
	}
	return errs
}

// variables are the names README's Environment table documents: exact
// names, and prefixes for the KAFKA_<NAME> and ZOOKEEPER_<NAME> rows.
type variables struct {
	names    map[string]bool
	prefixes []string
}

func (v variables) documented(name string) bool {
	if v.names[name] {
		return true
	}
	for _, p := range v.prefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return true
		}
	}
	return false
}

var backticked = regexp.MustCompile("`([A-Z][A-Z0-9_]*(<NAME>)?)`")

// readVariables parses the first column of README's Environment table.
func readVariables(readme string) (variables, error) {
	v := variables{names: map[string]bool{}}
	f, err := os.Open(readme)
	if err != nil {
		return v, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## Environment"
		case in && strings.HasPrefix(line, "| `"):
			first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
			for _, m := range backticked.FindAllStringSubmatch(first, -1) {
				if m[2] != "" {
					v.prefixes = append(v.prefixes, strings.TrimSuffix(m[1], "<NAME>"))
				} else {
					v.names[m[1]] = true
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return v, err
	}
	if len(v.names) < 10 || len(v.prefixes) < 2 {
		return v, fmt.Errorf("%s: Environment table not found (%d names, %d prefixes)", readme, len(v.names), len(v.prefixes))
	}
	return v, nil
}

var dependentVar = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkEnv: every variable is one the supervisor documents, or is only
// there to be expanded as $(NAME) in a later one; every $(NAME) refers to
// a variable defined before it, or Kubernetes leaves it as it is.
func checkEnv(w workload, vars variables) []error {
	var errs []error
	for _, c := range supervisorContainers(w.spec) {
		where := fmt.Sprintf("%s: container %s", w.object, c.Name)
		defined := map[string]bool{}
		referenced := map[string]bool{}
		for _, e := range c.Env {
			for _, m := range dependentVar.FindAllStringSubmatch(strings.ReplaceAll(e.Value, "$$", ""), -1) {
				if !defined[m[1]] {
					errs = append(errs, fmt.Errorf("%s: %s refers to $(%s), which is not defined before it", where, e.Name, m[1]))
				}
				referenced[m[1]] = true
			}
			defined[e.Name] = true
		}
		for _, e := range c.Env {
			if !vars.documented(e.Name) && !referenced[e.Name] {
				errs = append(errs, fmt.Errorf("%s: %s is not a variable of the supervisor (README, Environment)", where, e.Name))
			}
		}
		if len(c.EnvFrom) > 0 {
			errs = append(errs, fmt.Errorf("%s: envFrom hides the variables from this check", where))
		}
	}
	return errs
}

// stopTimeout reads SUPERVISOR_STOP_TIMEOUT as the supervisor does: a Go
// duration or whole seconds.
func stopTimeout(c *corev1.Container) (time.Duration, error) {
	s := envValue(c, "SUPERVISOR_STOP_TIMEOUT", "")
	if s == "" {
		return defaultStopTimeout, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

// checkGrace: the pod's grace period covers every supervisor's ordered
// stop (role all: Kafka's grace, then ZooKeeper's), with a margin.
func checkGrace(w workload) []error {
	var need time.Duration
	for _, c := range supervisorContainers(w.spec) {
		d, err := stopTimeout(c)
		if err != nil {
			return []error{fmt.Errorf("%s: container %s: SUPERVISOR_STOP_TIMEOUT: %w", w.object, c.Name, err)}
		}
		if envValue(c, "SUPERVISOR_ROLE", string(config.RoleAll)) == string(config.RoleAll) {
			d *= 2
		}
		need += d
	}
	grace := defaultGrace
	if g := w.spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if grace < need+graceMargin {
		return []error{fmt.Errorf("%s: terminationGracePeriodSeconds %v does not cover the ordered stop of %v and %v of margin", w.object, grace, need, graceMargin)}
	}
	return nil
}

// checkServiceLinks: no Service variables (KAFKA_PORT=tcp://…) reach the
// supervisor.
func checkServiceLinks(w workload) []error {
	if e := w.spec.EnableServiceLinks; e == nil || *e {
		return []error{fmt.Errorf("%s: enableServiceLinks is not false", w.object)}
	}
	return nil
}

// checkServices: each Service selects pods of these manifests, each of its
// target ports is a port of those pods, and no ZooKeeper port is published
// outside the cluster (LoadBalancer, NodePort). A StatefulSet's serviceName
// is a headless Service of its pods that publishes not-ready addresses.
func checkServices(objs []object, ws []workload) []error {
	var errs []error
	services := map[string]*corev1.Service{}
	for _, o := range objs {
		svc, ok := o.obj.(*corev1.Service)
		if !ok {
			continue
		}
		services[svc.Name] = svc
		if len(svc.Spec.Selector) == 0 {
			errs = append(errs, fmt.Errorf("%s: no selector", o))
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		var selected []workload
		for _, w := range ws {
			if sel.Matches(labels.Set(w.labels)) {
				selected = append(selected, w)
			}
		}
		if len(selected) == 0 {
			errs = append(errs, fmt.Errorf("%s: selector %s matches no pods of these manifests", o, sel))
			continue
		}
		outside := svc.Spec.Type == corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeNodePort
		for _, p := range svc.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port) // Kubernetes' default
			}
			ports := []int32{p.Port}
			for _, w := range selected {
				found := false
				for _, c := range w.spec.Containers {
					if n, ok := containerPort(&c, target); ok && (target.Type == intstr.String || declares(&c, n)) {
						found, ports = true, append(ports, n)
					}
				}
				for _, c := range w.spec.InitContainers {
					if n, ok := containerPort(&c, target); ok && (target.Type == intstr.String || declares(&c, n)) {
						found, ports = true, append(ports, n)
					}
				}
				if !found {
					errs = append(errs, fmt.Errorf("%s: port %d targets %s, which %s %s does not declare", o, p.Port, target.String(), w.kind, w.name))
				}
			}
			for _, zk := range zooKeeperPorts {
				if outside && slices.Contains(ports, zk) {
					errs = append(errs, fmt.Errorf("%s: type %s publishes ZooKeeper's port %d outside the cluster", o, svc.Spec.Type, zk))
				}
			}
		}
	}
	for _, w := range ws {
		sts, ok := w.obj.(*appsv1.StatefulSet)
		if !ok {
			continue
		}
		svc := services[sts.Spec.ServiceName]
		switch {
		case svc == nil:
			errs = append(errs, fmt.Errorf("%s: serviceName %q is no Service of these manifests", w.object, sts.Spec.ServiceName))
		case svc.Spec.ClusterIP != corev1.ClusterIPNone:
			errs = append(errs, fmt.Errorf("%s: serviceName %s is not headless (clusterIP: None)", w.object, svc.Name))
		case !svc.Spec.PublishNotReadyAddresses:
			errs = append(errs, fmt.Errorf("%s: serviceName %s does not publish not-ready addresses: members could not find each other before they are ready", w.object, svc.Name))
		case !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(w.labels)):
			errs = append(errs, fmt.Errorf("%s: serviceName %s does not select its pods", w.object, svc.Name))
		}
		if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
			errs = append(errs, fmt.Errorf("%s: podManagementPolicy is not Parallel: a member is ready only with its peers, so OrderedReady would never start them", w.object))
		}
	}
	return errs
}

func declares(c *corev1.Container, port int32) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == port })
}

// checkPDBs: each PodDisruptionBudget selects pods of these manifests.
func checkPDBs(objs []object, ws []workload) []error {
	var errs []error
	for _, o := range objs {
		pdb, ok := o.obj.(*policyv1.PodDisruptionBudget)
		if !ok {
			continue
		}
		sel := labelSelector(o, pdb.Spec.Selector, &errs)
		if !slices.ContainsFunc(ws, func(w workload) bool { return sel.Matches(labels.Set(w.labels)) }) {
			errs = append(errs, fmt.Errorf("%s: selector %s matches no pods of these manifests", o, sel))
		}
	}
	return errs
}

// Samples for the downward API, as a pod would see it.
const (
	sampleNamespace = "default"
	samplePodIP     = "10.244.1.7"
)

// containerEnv is the environment Kubernetes gives c in a pod named
// podName: downward-API fields filled in, $(NAME) expanded, HOSTNAME set.
func containerEnv(c *corev1.Container, podName string) ([]string, error) {
	vals := map[string]string{}
	env := []string{"HOSTNAME=" + podName}
	for _, e := range c.Env {
		v := e.Value
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				v = podName
			case "metadata.namespace":
				v = sampleNamespace
			case "status.podIP":
				v = samplePodIP
			default:
				return nil, fmt.Errorf("%s: no sample for fieldRef %s", e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
		case e.ValueFrom != nil:
			return nil, fmt.Errorf("%s: no sample for its valueFrom", e.Name)
		default:
			v = dependentVar.ReplaceAllStringFunc(v, func(ref string) string {
				if r, ok := vals[ref[2:len(ref)-1]]; ok {
					return r
				}
				return ref
			})
		}
		vals[e.Name] = v
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

// ordinal is the StatefulSet ordinal at the end of a pod name.
func ordinal(podName string) (int, bool) {
	i := strings.LastIndex(podName, "-")
	n, err := strconv.Atoi(podName[i+1:])
	return n, i >= 0 && err == nil
}

// withOrdinals replaces the word ordinal in KAFKA_BROKER_ID and
// ZOOKEEPER_MY_ID by the number it stands for in podName (the ordinal,
// and the ordinal plus one), for a config that does not read the word.
func withOrdinals(env []string, podName string) []string {
	out := slices.Clone(env)
	n, ok := ordinal(podName)
	for i, kv := range out {
		switch {
		case !ok:
		case kv == "KAFKA_BROKER_ID=ordinal":
			out[i] = "KAFKA_BROKER_ID=" + strconv.Itoa(n)
		case kv == "ZOOKEEPER_MY_ID=ordinal":
			out[i] = "ZOOKEEPER_MY_ID=" + strconv.Itoa(n+1)
		}
	}
	return out
}

// checkConfig: each supervisor's environment, as its pod would have it,
// passes the supervisor's own checks (config.Load) against a Kafka 3.9.1
// distribution. An ensemble member sets initLimit and syncLimit, without
// which ZooKeeper refuses to start in a quorum.
func checkConfig(w workload, kafkaHome string) []error {
	var errs []error
	for _, c := range supervisorContainers(w.spec) {
		where := fmt.Sprintf("%s: container %s", w.object, c.Name)
		env, err := containerEnv(c, w.podName)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		env = append([]string{"KAFKA_HOME=" + kafkaHome}, env...)
		cfg, err := config.Load(env)
		if err != nil && slices.ContainsFunc(env, func(kv string) bool { return strings.HasSuffix(kv, "=ordinal") }) {
			cfg, err = config.Load(withOrdinals(env, w.podName))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: the supervisor refuses its environment: %w", where, err))
			continue
		}
		if envValue(c, "ZOOKEEPER_SERVERS", "") != "" {
			for _, key := range []string{"initLimit", "syncLimit"} {
				if !slices.ContainsFunc(cfg.ZooKeeperProps, func(kv props.KV) bool { return kv.Key == key }) {
					errs = append(errs, fmt.Errorf("%s: an ensemble member without %s", where, key))
				}
			}
		}
	}
	return errs
}

// checkAll runs every check on one set of manifests.
func checkAll(objs []object, vars variables, kafkaHome string) []error {
	ws, errs := workloads(objs)
	errs = append(errs, checkServices(objs, ws)...)
	errs = append(errs, checkPDBs(objs, ws)...)
	for _, w := range ws {
		errs = append(errs, checkProbes(w)...)
		errs = append(errs, checkEnv(w, vars)...)
		errs = append(errs, checkGrace(w)...)
		errs = append(errs, checkServiceLinks(w)...)
		errs = append(errs, checkConfig(w, kafkaHome)...)
	}
	return errs
}

func fixtures(t *testing.T) (variables, string) {
	t.Helper()
	vars, err := readVariables(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	home, err := filepath.Abs(filepath.Join("..", "internal", "config", "testdata", "dist-3.9.1"))
	if err != nil {
		t.Fatal(err)
	}
	return vars, home
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
	vars, home := fixtures(t)
	objs, err := load(".", manifests(t)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkAll(objs, vars, home) {
		t.Error(err)
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

// TestChecksCatch feeds broken manifests to the same checks: each differs
// from testdata/good.yaml in one place, and exactly that must be reported.
func TestChecksCatch(t *testing.T) {
	vars, home := fixtures(t)
	for _, tc := range []struct {
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
		{"unknown-variable.yaml", "SUPERVISOR_STOP_TIMOUT is not a variable of the supervisor"},
		{"undefined-reference.yaml", "refers to $(POD_IP), which is not defined before it"},
		{"short-grace.yaml", "does not cover the ordered stop of 24s"},
		{"long-stop-timeout.yaml", "does not cover the ordered stop of 40s"},
		{"service-links.yaml", "enableServiceLinks is not false"},
		{"bad-value.yaml", "KAFKA_CREATE_TOPICS"},
		{"pdb-selector.yaml", "PodDisruptionBudget kafka-pdb: selector app=kafak matches no pods"},
		{"statefulset-service.yaml", "does not publish not-ready addresses"},
		{"statefulset-ordered.yaml", "podManagementPolicy is not Parallel"},
		{"ensemble-limits.yaml", "an ensemble member without syncLimit"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			objs, err := load("testdata", tc.file)
			var errs []error
			if err != nil {
				errs = []error{err}
			} else {
				errs = checkAll(objs, vars, home)
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("want one error with %q, have %d:\n%v", tc.want, len(errs), errors.Join(errs...))
			}
		})
	}
}

// TestGoodFixtures: the fixtures the broken ones derive from pass.
func TestGoodFixtures(t *testing.T) {
	vars, home := fixtures(t)
	for _, f := range []string{"good.yaml", "good-statefulset.yaml"} {
		objs, err := load("testdata", f)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range checkAll(objs, vars, home) {
			t.Errorf("%s: %v", f, err)
		}
	}
}
