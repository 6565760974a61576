// Command k8s-pause is the sandbox ("pause") container of the cluster that
// scripts/k8s-test.sh starts, as no registry can give registry.k8s.io/pause
// here: it holds the pod's namespaces and exits on SIGINT or SIGTERM.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
