package k8s_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

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
			w = workload{o, v.Spec.Template.Labels, &v.Spec.Template.Spec, fmt.Sprintf("%s-%d", v.Name, firstOrdinal(v)+1), nil}
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

// firstOrdinal is the ordinal of a StatefulSet's first pod:
// spec.ordinals.start, or 0.
func firstOrdinal(sts *appsv1.StatefulSet) int {
	if sts.Spec.Ordinals == nil {
		return 0
	}
	return int(sts.Spec.Ordinals.Start)
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
