#!/usr/bin/env bash
# k8s-build.sh builds the binaries of a single-node Kubernetes cluster from
# the Go module proxy and prints the directory that holds them:
#
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy
#   kubectl (Kubernetes $K8S_VERSION), etcd ($ETCD_VERSION), coredns
#   ($COREDNS_VERSION)
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces its staging
# modules with local directories. A throwaway module requires it and each of
# its staging modules at the matching v0.x version, with a replace line for
# each; etcd's server module has local replace lines too, so it gets its own
# throwaway module the same way. CoreDNS is built with only the plugins the
# test's Corefile uses (bind, errors, kubernetes): its stock build compiles
# every cloud provider's DNS SDK.
#
# The binaries are cached outside the repository, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/kafka-on-kubernetes/, so that a fresh clone
# reuses them; each component is done once its stamp (.kubernetes, .etcd,
# .coredns) exists, so an interrupted build resumes with the next one. A
# cold build takes about 12 minutes on 2 quiet cores; run it under `nice`.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
COREDNS_VERSION=${COREDNS_VERSION:-v1.15.0}

cache=${XDG_CACHE_HOME:-$HOME/.cache}/kafka-on-kubernetes
out=$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-coredns-$COREDNS_VERSION
if [[ -e $out/.done ]]; then
	echo "$out/bin"
	exit 0
fi

start=$SECONDS
log() { echo "k8s-build: $*" >&2; }

mkdir -p "$out/bin" "$out/src"

# module DIR GO-VERSION: writes an empty throwaway module named kob/DIR.
module() {
	rm -rf "$out/src/$1"
	mkdir -p "$out/src/$1"
	printf 'module kob/%s\n\ngo %s\n' "$1" "$2" >"$out/src/$1/go.mod"
}

# build DIR OUT PKG...: builds the main packages PKG into OUT (a directory
# ending in / or a file), resolving and recording the modules they need on
# the way.
build() {
	local dir=$1 o=$2
	shift 2
	(cd "$out/src/$dir" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w $LDFLAGS" -o "$o" "$@")
}

# The staging modules' list and availability are read from the proxy.
proxy=$(go env GOPROXY)
proxy=${proxy%%[,|]*}
case $proxy in
http*) ;;
*) proxy=https://proxy.golang.org ;;
esac

# Kubernetes: the version of the staging modules is v0.<minor>.<patch>.
if [[ ! -e $out/.kubernetes ]]; then
staging_version=v0.${K8S_VERSION#v1.}
module kubernetes 1.24.0
{
	echo 'godebug default=go1.24'
	echo "require k8s.io/kubernetes $K8S_VERSION"
	# The staging modules are the ones k8s.io/kubernetes replaces with
	# ./staging/... directories.
	curl -fsS "$proxy/k8s.io/kubernetes/@v/$K8S_VERSION.mod" |
		awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' |
		while read -r m; do
			# The proxy may refuse a module no binary here needs
			# (k8s.io/sample-cli-plugin and k8s.io/sample-controller
			# were refused); an empty local module stands in for it,
			# as the staging directory does in Kubernetes' own tree.
			if curl -fsS -o /dev/null "$proxy/$m/@v/$staging_version.mod" 2>/dev/null; then
				echo "require $m $staging_version"
				echo "replace $m => $m $staging_version"
			else
				log "$m $staging_version is not on the proxy; an empty module stands in"
				mkdir -p "$out/src/kubernetes/absent/$m"
				echo "module $m" >"$out/src/kubernetes/absent/$m/go.mod"
				echo "replace $m => ./absent/$m"
			fi
		done
} >>"$out/src/kubernetes/go.mod"
n=$(grep -c '^replace' "$out/src/kubernetes/go.mod")
if ((n < 20)); then
	log "found only $n staging modules of k8s.io/kubernetes $K8S_VERSION"
	exit 1
fi
log "Kubernetes $K8S_VERSION with $n staging modules at $staging_version"
v=k8s.io/component-base/version
c=k8s.io/client-go/pkg/version
minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
LDFLAGS=""
for p in $v $c; do
	LDFLAGS+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
build kubernetes "$out/bin/" \
	k8s.io/kubernetes/cmd/kube-apiserver \
	k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler \
	k8s.io/kubernetes/cmd/kubelet \
	k8s.io/kubernetes/cmd/kube-proxy \
	k8s.io/kubernetes/cmd/kubectl
touch "$out/.kubernetes"
log "Kubernetes built after $((SECONDS - start)) s"
fi

# etcd: the server module's main package is the etcd binary.
# Its go line and CoreDNS's may be newer than Kubernetes', so their modules
# take the local toolchain's.
gov=$(go env GOVERSION)
gov=${gov#go}
LDFLAGS=""
if [[ ! -e $out/.etcd ]]; then
	module etcd "$gov"
	echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION" >>"$out/src/etcd/go.mod"
	build etcd "$out/bin/etcd" go.etcd.io/etcd/server/v3
	touch "$out/.etcd"
	log "etcd built after $((SECONDS - start)) s"
fi

if [[ ! -e $out/.coredns ]]; then
	module coredns "$gov"
	echo "require github.com/coredns/coredns $COREDNS_VERSION" >>"$out/src/coredns/go.mod"
	cat >"$out/src/coredns/main.go" <<'EOF'
// Command coredns is CoreDNS with the plugins of the test's Corefile only.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
)

func init() {
	dnsserver.Directives = []string{"bind", "errors", "kubernetes"}
}

func main() { coremain.Run() }
EOF
	build coredns "$out/bin/coredns" .
	touch "$out/.coredns"
	log "CoreDNS built after $((SECONDS - start)) s"
fi

for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd coredns; do
	test -x "$out/bin/$b" || {
		log "$b is missing from $out/bin"
		exit 1
	}
done
touch "$out/.done"
log "built in $((SECONDS - start)) s ($(du -sh "$out/bin" | cut -f1) of binaries)"
echo "$out/bin"
