package k8s_test

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
)

// The supervisor's defaults (TestDefaults holds them to config.Load's).
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
			// config.Load refuses an unknown SUPERVISOR_ name itself (checkConfig).
			if !vars.documented(e.Name) && !referenced[e.Name] && !strings.HasPrefix(e.Name, "SUPERVISOR_") {
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
// stop (role all in ZooKeeper mode: Kafka's grace, then ZooKeeper's), with
// a margin.
func checkGrace(w workload, d distributions) []error {
	var need time.Duration
	for _, c := range supervisorContainers(w.spec) {
		s, err := stopBudget(w, c, d)
		if err != nil {
			return []error{fmt.Errorf("%s: container %s: SUPERVISOR_STOP_TIMEOUT: %w", w.object, c.Name, err)}
		}
		need += s
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

// stopBudget is the longest the supervisor of c takes to stop: its
// SUPERVISOR_STOP_TIMEOUT for each server it stops in turn. Role all runs
// two in ZooKeeper mode (Kafka, then ZooKeeper) and one in KRaft mode (a
// combined broker and controller is one process).
func stopBudget(w workload, c *corev1.Container, d distributions) (time.Duration, error) {
	s, err := stopTimeout(c)
	if err != nil {
		return 0, err
	}
	if r := roleOf(w, c, d); r.RunsZooKeeper() && r.RunsKafka() {
		s *= 2
	}
	return s, nil
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

// distributions maps a broker version to a distribution of it, the
// KAFKA_HOME config.Load checks an environment against.
type distributions map[string]string

// defaultVersion is the version of the manifests' image (and of a
// container whose image's tag is no version here).
const defaultVersion = "3.9.1"

// home is the distribution of the version c's image is tagged with
// (kafka-on-kubernetes/kafka:4.4.0), or of defaultVersion.
func (d distributions) home(c *corev1.Container) string {
	if i := strings.LastIndex(c.Image, ":"); i >= 0 {
		if h, ok := d[c.Image[i+1:]]; ok {
			return h
		}
	}
	return d[defaultVersion]
}

// loadConfig is what the supervisor of container c makes of its
// environment in the pod podName, against the distribution of its image.
func loadConfig(podName string, c *corev1.Container, d distributions) (*config.Config, error) {
	env, err := containerEnv(c, podName)
	if err != nil {
		return nil, err
	}
	env = append([]string{"KAFKA_HOME=" + d.home(c)}, env...)
	cfg, err := config.Load(env)
	if err != nil {
		return nil, fmt.Errorf("the supervisor refuses its environment: %w", err)
	}
	return cfg, nil
}

// roleOf is the role the supervisor of c takes in a pod of w: config.Load's
// (role all is a combined node in KRaft mode), or SUPERVISOR_ROLE's when
// Load refuses the environment (checkConfig reports that).
func roleOf(w workload, c *corev1.Container, d distributions) config.Role {
	if cfg, err := loadConfig(w.podName, c, d); err == nil {
		return cfg.Role
	}
	return role(c)
}

// checkConfig: each supervisor's environment, as its pod would have it
// (ordinals from the pod's name), passes the supervisor's own checks
// (config.Load) against a distribution of its image's version.
func checkConfig(w workload, d distributions) []error {
	var errs []error
	for _, c := range supervisorContainers(w.spec) {
		where := fmt.Sprintf("%s: container %s", w.object, c.Name)
		if _, err := loadConfig(w.podName, c, d); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	return errs
}
