package k8s_test

import (
	"testing"
	"time"
)

// TestStopBudgetFollowsGrace: in the manifests here, each pod's
// supervisors are given the whole of its terminationGracePeriodSeconds
// less the margin: SUPERVISOR_STOP_TIMEOUT is set so that the ordered
// stop (role all in ZooKeeper mode: Kafka's budget, then ZooKeeper's; a pod of several
// supervisors: one after the other) plus graceMargin is the grace. The
// supervisor cannot read the pod's grace, so a grace raised alone would
// still SIGKILL a slow broker at the old budget, and a budget left at its
// default wastes the grace. checkGrace holds any manifest to the weaker
// rule that the grace covers the stop.
func TestStopBudgetFollowsGrace(t *testing.T) {
	_, dists := fixtures(t)
	objs, err := load(".", manifests(t)...)
	if err != nil {
		t.Fatal(err)
	}
	ws, errs := workloads(objs)
	for _, err := range errs {
		t.Error(err)
	}
	for _, w := range ws {
		var need time.Duration
		for _, c := range supervisorContainers(w.spec) {
			if envValue(c, "SUPERVISOR_STOP_TIMEOUT", "") == "" {
				t.Errorf("%s: container %s: no SUPERVISOR_STOP_TIMEOUT: its default (%v) does not follow the pod's grace", w.object, c.Name, defaultStopTimeout)
			}
			d, err := stopBudget(w, c, dists)
			if err != nil {
				t.Fatalf("%s: container %s: SUPERVISOR_STOP_TIMEOUT: %v", w.object, c.Name, err)
			}
			need += d
		}
		if need == 0 {
			continue
		}
		grace := defaultGrace
		if g := w.spec.TerminationGracePeriodSeconds; g != nil {
			grace = time.Duration(*g) * time.Second
		}
		if need+graceMargin != grace {
			t.Errorf("%s: terminationGracePeriodSeconds is %v, but the stop budgets (SUPERVISOR_STOP_TIMEOUT) are %v, and %v of margin: want them to add up", w.object, grace, need, graceMargin)
		}
	}
}
