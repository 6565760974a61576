#!/usr/bin/env bash
# k8s-test.sh runs the manifests of k8s/ on a real single-node Kubernetes
# cluster and prints one line per check; it exits 1 on the first failed
# check, 2 when the cluster itself cannot start.
#
# The cluster (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, containerd, kubelet, kube-proxy in iptables mode, CoreDNS
# for cluster DNS) runs as processes inside a network namespace of its own,
# entered with nsenter --net only, so that the kubelet and containerd share
# the host's mount namespace. That namespace has no link to the host's and
# no default route: its addresses are 127.0.0.1 and $NODE_IP on its own lo,
# the pods' 10.244.0.0/24 on the bridge kok8s0 that the CNI bridge plugin
# creates in it, and the Services' 10.96.0.0/16, which exist only in its
# iptables rules. No packet can leave the machine, and nothing is left to
# route anywhere once the namespace is gone. CoreDNS answers cluster.local
# only and forwards nothing; the kubelet gives pods no host resolver.
#
# Everything it makes lives under one state directory, in that network
# namespace, or in cgroups of the containers it ran; the trap on EXIT stops
# and removes all of it, even after a failed check or an interrupt.
#
# What this machine forces (measured): containerd runs with
# restrict_oom_score_adj (no CAP_SYS_RESOURCE); the kubelet with
# cgroupsPerQOS: false and failCgroupV1: false (cgroup v1). No registry
# answers, so the images are imported with `ctr -n k8s.io images import`:
# the project's images from `scripts/images.sh save DIR` (or from
# K8S_TEST_IMAGES, a directory of such tarballs), and a sandbox image built
# from scripts/k8s-pause.
#
# Patches to the manifests: none. Their images are tagged (not :latest), so
# their imagePullPolicy defaults to IfNotPresent and the imported images are
# used as they are. The StatefulSets' claims, which name no StorageClass,
# bind hostPath PersistentVolumes that this script creates (directories
# owned by uid 1001, as hostPath ignores fsGroup); that is the cluster's
# storage, not a patch. kraft-cluster.yaml's claims are bound to theirs by
# name (claimRef), and both are deleted after its phase.
#
# Environment: K8S_TEST_IMAGES (see above); K8S_TEST_KEEP=1 leaves the state
# directory (logs) after the teardown; K8S_TEST_STATE, the state directory's
# parent (default /var/lib/kafka-on-kubernetes).
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$PWD

NODE_IP=172.31.0.1
POD_CIDR=10.244.0.0/24
CLUSTER_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
NODE=kok8s-node
IMAGE=kafka-on-kubernetes/kafka:3.9.1
KRAFT_IMAGE=kafka-on-kubernetes/kafka:4.4.0
SEED_IMAGE=dockerkafka/kafka:v2
PAUSE=kafka-on-kubernetes/pause:1

started=$SECONDS
phase_start=$SECONDS
say() { echo "k8s-test: $*"; }
# phase NAME: prints the time the previous phase took and starts NAME.
phase_name=""
phase() {
	if [[ -n $phase_name ]]; then
		say "phase $phase_name took $((SECONDS - phase_start)) s"
	fi
	phase_name=$1
	phase_start=$SECONDS
}
fatal() {
	say "FATAL: $*"
	exit 2
}
ok() { say "ok   $*"; }
fail() {
	say "FAIL $*"
	exit 1
}

if [[ $(id -u) != 0 ]]; then
	fatal "needs root (network namespace, containerd, kubelet)"
fi

phase install
need=()
for p in containerd:containerd runc:runc iptables:iptables conntrack:conntrack \
	openssl:openssl curl:curl nsenter:util-linux; do
	command -v "${p%%:*}" >/dev/null || need+=("${p#*:}")
done
[[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] ||
	need+=(containernetworking-plugins)
if ((${#need[@]})); then
	say "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null ||
		{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
fi

phase build
bin=$(nice -n 10 scripts/k8s-build.sh)
export PATH=$bin:$PATH

parent=${K8S_TEST_STATE:-/var/lib/kafka-on-kubernetes}
mkdir -p "$parent"
S=$(mktemp -d "$parent/k8s-test.XXXXXX")
NS=kok8s-${S##*.}
say "state in $S, network namespace $NS"

# teardown removes what this run made, in reverse order: pods' containers
# (through containerd, so that runc removes their cgroups and the CNI
# plugin their veths), the processes it started, the mounts under $S, the
# network namespace, and $S itself.
pids=()
teardown() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	local t=$SECONDS
	if [[ -n $phase_name ]]; then
		say "phase $phase_name took $((SECONDS - phase_start)) s"
	fi
	if ((rc != 0)) && [[ -e $S/logs ]]; then
		say "last lines of the cluster's logs in $S/logs:"
		tail -n 5 "$S"/logs/*.log 2>/dev/null | sed 's/^/  /'
	fi
	# Followers of logs and watches; then the kubelet, so that it restarts
	# nothing.
	local f
	for f in "$S"/pids/rc-* "$S"/pids/logs-*; do
		[[ -e $f ]] && stop_pid "${f##*/}"
	done
	stop_pid kubelet
	if [[ -S $S/containerd.sock ]]; then
		local c
		ctr_ -n k8s.io containers ls -q >"$S/containers" 2>/dev/null
		for c in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do
			ctr_ -n k8s.io tasks kill -s KILL "$c" >/dev/null 2>&1
		done
		for c in $(ctr_ -n k8s.io containers ls -q 2>/dev/null); do
			ctr_ -n k8s.io tasks delete -f "$c" >/dev/null 2>&1
			ctr_ -n k8s.io containers delete "$c" >/dev/null 2>&1
		done
	fi
	local name
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		name=${pids[i]%%=*}
		stop_pid "$name"
	done
	# Shims outlive containerd; this run's are those started for its socket.
	local p
	for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $S/containerd.sock" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	# Mounts under $S (overlays, projected volumes, pods' network
	# namespaces), deepest first.
	local m
	for m in $(awk -v s="$S/" 'index($2, s) == 1 {print $2}' /proc/self/mounts | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	left=$(awk -v s="$S/" 'index($2, s) == 1' /proc/self/mounts | wc -l)
	if ((left)); then
		say "teardown: $left mounts under $S remain"
		((rc)) || rc=2
	fi
	ip netns delete "$NS" 2>/dev/null
	# Cgroups runc left behind for this run's containers.
	for c in $(cat "$S/containers" 2>/dev/null); do
		find /sys/fs/cgroup -depth -type d -name "$c" -exec rmdir {} + 2>/dev/null
	done
	if [[ ${K8S_TEST_KEEP:-} == 1 ]]; then
		say "kept $S"
	else
		rm -rf "$S"
	fi
	say "teardown took $((SECONDS - t)) s; total $((SECONDS - started)) s"
	if ((rc == 0)); then
		say "PASS"
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# in_ns CMD...: runs CMD in the cluster's network namespace.
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
# start NAME CMD...: starts CMD in the namespace, logging to $S/logs/NAME.log.
start() {
	local name=$1
	shift
	# nsenter itself, not a function, so that $! is the process that runs
	# CMD (nsenter execs it) and stopping it stops CMD.
	nsenter --net="/run/netns/$NS" "$@" >"$S/logs/$name.log" 2>&1 &
	pids+=("$name=$!")
	echo "$!" >"$S/pids/$name"
}
stop_pid() {
	local f=$S/pids/$1 p
	[[ -e $f ]] || return 0
	p=$(cat "$f")
	rm -f "$f"
	kill -TERM "$p" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
}
ctr_() { ctr --address "$S/containerd.sock" "$@"; }
k() { in_ns "$bin/kubectl" --kubeconfig "$S/admin.kubeconfig" "$@"; }
# wait_for SECONDS WHAT CMD...: runs CMD until it succeeds, at most SECONDS.
wait_for() {
	local limit=$1 what=$2 deadline=$((SECONDS + $1))
	shift 2
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			say "$what: not after $limit s"
			return 1
		fi
		sleep 1
	done
}

mkdir -p "$S"/{logs,pids,pki,etcd,kubelet,pod-logs,cni/net.d,containerd,images,manifests,pv}

phase images
images=${K8S_TEST_IMAGES:-}
if [[ -z $images ]]; then
	images=$S/images
	scripts/images.sh save "$images"
fi
tar_of() { local r=${1%:*} t=${1##*:}; echo "$images/${r//\//_}_$t.tar"; }
for i in "$IMAGE" "$KRAFT_IMAGE" "$SEED_IMAGE"; do
	[[ -s $(tar_of "$i") ]] || fatal "no $(tar_of "$i")"
done
# The sandbox image: scripts/k8s-pause in a one-layer docker-archive.
(
	d=$S/pause
	mkdir -p "$d/rootfs"
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$d/rootfs/pause" ./scripts/k8s-pause
	tar -C "$d/rootfs" -cf "$d/layer.tar" pause
	layer=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	mkdir -p "$d/archive/$layer"
	mv "$d/layer.tar" "$d/archive/$layer/layer.tar"
	printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$layer" >"$d/config.json"
	config=$(sha256sum "$d/config.json" | cut -d' ' -f1)
	mv "$d/config.json" "$d/archive/$config.json"
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
		"$config" "$PAUSE" "$layer" >"$d/archive/manifest.json"
	tar -C "$d/archive" -cf "$d/pause.tar" .
)

phase cluster
ip netns add "$NS"
in_ns ip link set lo up
in_ns ip addr add "$NODE_IP/32" dev lo
in_ns sysctl -qw net.ipv4.ip_forward=1
# Pod-to-Service traffic between two pods of the bridge must go through
# iptables, or the reply bypasses the Service's DNAT.
in_ns sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
if in_ns ip route show default | grep -q .; then
	fatal "the namespace $NS has a default route"
fi

# A CA for the API server's serving certificate (the pods' kube-root-ca.crt),
# a service-account key, and static tokens for the clients.
(
	cd "$S/pki"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
		-subj /CN=kok8s-ca 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
		-subj /CN=kube-apiserver 2>/dev/null
	printf 'subjectAltName=IP:%s,IP:10.96.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' \
		"$NODE_IP" >san.ext
	openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-out apiserver.crt -days 2 -extfile san.ext 2>/dev/null
	openssl genrsa -out sa.key 2048 2>/dev/null
	openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
	token=$(openssl rand -hex 16)
	echo "$token,admin,admin,system:masters" >tokens.csv
	echo "$token" >token
)
token=$(cat "$S/pki/token")
cat >"$S/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kok8s
  cluster:
    server: https://$NODE_IP:6443
    certificate-authority: $S/pki/ca.crt
users:
- name: admin
  user:
    token: $token
contexts:
- name: kok8s
  context:
    cluster: kok8s
    user: admin
current-context: kok8s
EOF

start etcd "$bin/etcd" --data-dir "$S/etcd" \
	--listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster default=http://127.0.0.1:2380 --quota-backend-bytes 1073741824
start kube-apiserver "$bin/kube-apiserver" \
	--etcd-servers http://127.0.0.1:2379 \
	--advertise-address "$NODE_IP" --bind-address 0.0.0.0 --secure-port 6443 \
	--tls-cert-file "$S/pki/apiserver.crt" --tls-private-key-file "$S/pki/apiserver.key" \
	--token-auth-file "$S/pki/tokens.csv" --authorization-mode RBAC \
	--service-cluster-ip-range "$SERVICE_CIDR" \
	--service-account-issuer https://kubernetes.default.svc.cluster.local \
	--service-account-key-file "$S/pki/sa.pub" \
	--service-account-signing-key-file "$S/pki/sa.key" \
	--kubelet-preferred-address-types InternalIP \
	--cert-dir "$S/pki/apiserver"
wait_for 120 "kube-apiserver ready" k get --raw /readyz || fatal "kube-apiserver did not start"
start kube-controller-manager "$bin/kube-controller-manager" \
	--kubeconfig "$S/admin.kubeconfig" --leader-elect=false \
	--service-account-private-key-file "$S/pki/sa.key" --root-ca-file "$S/pki/ca.crt" \
	--bind-address 127.0.0.1 --cert-dir "$S/pki/controller-manager"
start kube-scheduler "$bin/kube-scheduler" \
	--kubeconfig "$S/admin.kubeconfig" --leader-elect=false --bind-address 127.0.0.1 \
	--cert-dir "$S/pki/scheduler"

cat >"$S/cni/net.d/10-kok8s.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "kok8s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "kok8s0",
      "isGateway": true,
      "isDefaultGateway": true,
      "hairpinMode": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$S/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR"}]]
      }
    },
    {"type": "loopback"}
  ]
}
EOF
cat >"$S/containerd.toml" <<EOF
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
[grpc]
  address = "$S/containerd.sock"
[ttrpc]
  address = "$S/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/$PAUSE"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_unprivileged_ports = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$S/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
EOF
start containerd containerd --config "$S/containerd.toml"
wait_for 30 "containerd" ctr_ version || fatal "containerd did not start"

cat >"$S/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$S/containerd.sock
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failCgroupV1: false
failSwapOn: false
address: $NODE_IP
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
clusterDomain: cluster.local
clusterDNS: [$NODE_IP]
resolvConf: ""
podLogsDir: $S/pod-logs
imageGCHighThresholdPercent: 100
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
EOF
start kubelet "$bin/kubelet" --config "$S/kubelet.yaml" \
	--kubeconfig "$S/admin.kubeconfig" --hostname-override "$NODE" --node-ip "$NODE_IP" \
	--root-dir "$S/kubelet" --cert-dir "$S/kubelet/pki"

cat >"$S/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $S/admin.kubeconfig
mode: iptables
clusterCIDR: $CLUSTER_CIDR
hostnameOverride: $NODE
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
EOF
start kube-proxy "$bin/kube-proxy" --config "$S/kube-proxy.yaml"

cat >"$S/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $S/admin.kubeconfig
        pods insecure
    }
}
EOF
start coredns "$bin/coredns" -conf "$S/Corefile"

node_ready() {
	[[ $(k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}
wait_for 120 "node $NODE Ready" node_ready || fatal "node $NODE is not Ready"
say "node $NODE Ready $((SECONDS - phase_start)) s after the cluster's start"

phase load
for tar in "$S/pause/pause.tar" "$(tar_of "$IMAGE")" "$(tar_of "$KRAFT_IMAGE")" "$(tar_of "$SEED_IMAGE")"; do
	ctr_ -n k8s.io images import --no-unpack=false "$tar" >/dev/null ||
		fatal "ctr images import $tar"
done
ctr_ -n k8s.io images ls -q | grep -v '^sha256:' | sed 's/^/k8s-test: image /'

# ---- the checks ----

# ready NAME SECONDS: waits for pod NAME to be Ready.
ready() {
	k wait --for=condition=Ready "pod/$1" --timeout="$2s" >/dev/null 2>&1
}
# rc_pod [SELECTOR]: the name of the RC's one running pod (the seed's,
# app=kafkaApp, by default).
rc_pod() {
	k get pods -l "${1:-app=kafkaApp}" --field-selector=status.phase=Running \
		-o jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.deletionTimestamp}{"\n"}{end}' |
		awk 'NF == 1 {print $1; exit}'
}

# watch_exits NAME SELECTOR: records the exit code the kubelet reports for
# each pod of SELECTOR, one "pod code" line per change, until exit_codes
# NAME.
watch_exits() {
	nsenter --net="/run/netns/$NS" "$bin/kubectl" --kubeconfig "$S/admin.kubeconfig" get pods -l "$2" -w \
		-o jsonpath='{.metadata.name} {.status.containerStatuses[0].state.terminated.exitCode}{"\n"}' >"$S/logs/$1.exits" 2>&1 &
	echo "$!" >"$S/pids/rc-watch-$1"
}
# exit_codes NAME: stops the watch, then prints pod=code for each pod that
# reported one, its last, sorted.
exit_codes() {
	stop_pid "rc-watch-$1"
	awk 'NF == 2 {code[$1] = $2} END {for (p in code) print p "=" code[p]}' "$S/logs/$1.exits" | sort | paste -sd' ' -
}

phase dry-run
# Before anything exists: applying over objects made by create would warn
# about the missing last-applied annotation.
for f in k8s/*.yaml; do
	out=$(k apply --dry-run=server -f "$f" 2>&1) || fail "kubectl apply --dry-run=server -f $f: $out"
	if grep -qi warning <<<"$out"; then
		fail "kubectl apply --dry-run=server -f $f warns: $(grep -i warning <<<"$out")"
	fi
	ok "kubectl apply --dry-run=server -f $f: no warning"
done

phase seed-rc
t=$SECONDS
k create -f k8s/kafka-service.yaml -f k8s/kafka-rc.yaml >/dev/null
pod=""
until pod=$(rc_pod) && [[ -n $pod ]]; do
	((SECONDS - t < 120)) || fail "kafka-rc: no running pod after 120 s"
	sleep 1
done
ready "$pod" 180 || fail "kafka-rc: pod $pod not Ready after 180 s"
ok "kubectl create -f k8s/kafka-service.yaml -f k8s/kafka-rc.yaml: pod $pod Ready in $((SECONDS - t)) s"

# A message through the Service (its ClusterIP, found by cluster DNS as
# kafka:9092), produced and consumed by Kafka's own tools in the pod.
msg="through-the-service-$RANDOM"
echo "$msg" | k exec -i "$pod" -- kafka-console-producer.sh --bootstrap-server kafka:9092 \
	--topic kafka-on-kubernetes >"$S/logs/produce.out" 2>&1 ||
	fail "produce through the Service kafka:9092: $(tail -n 3 "$S/logs/produce.out")"
got=$(k exec "$pod" -- kafka-console-consumer.sh --bootstrap-server kafka:9092 \
	--topic kafka-on-kubernetes --from-beginning --max-messages 1 --timeout-ms 60000 2>"$S/logs/consume.err" || true)
[[ $got == "$msg" ]] || fail "consume through the Service kafka:9092: got '$got': $(tail -n 3 "$S/logs/consume.err")"
ok "a message went through the Service kafka (ClusterIP $(k get svc kafka -o jsonpath='{.spec.clusterIP}'))"

t=$SECONDS
k delete pod "$pod" --wait=false >/dev/null
new=""
until new=$(rc_pod) && [[ -n $new && $new != "$pod" ]]; do
	((SECONDS - t < 120)) || fail "kafka-rc: no new pod 120 s after kubectl delete pod $pod"
	sleep 1
done
ready "$new" 180 || fail "kafka-rc: new pod $new not Ready"
ok "kubectl delete pod $pod: the RC brought pod $new, Ready in $((SECONDS - t)) s"

# Deleting the RC: the pod's container stops. A watch on the pod records
# the states the kubelet reports until the pod is gone; the last one holds
# the container's exit code. The container's log is followed to its end.
t=$SECONDS
kb=("$bin/kubectl" --kubeconfig "$S/admin.kubeconfig")
nsenter --net="/run/netns/$NS" "${kb[@]}" logs -f "$new" >"$S/logs/rc-pod.log" 2>&1 &
echo "$!" >"$S/pids/rc-logs"
nsenter --net="/run/netns/$NS" "${kb[@]}" get pod "$new" -w \
	-o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}{"\n"}' >"$S/logs/rc-pod.states" 2>&1 &
echo "$!" >"$S/pids/rc-watch"
k delete rc kafka-rc --wait=false >/dev/null
wait_for 120 "kafka-rc's pod $new gone" in_ns bash -c "! $bin/kubectl --kubeconfig $S/admin.kubeconfig get pod $new" ||
	fail "kafka-rc's pod $new not gone 120 s after kubectl delete rc"
stop_pid rc-watch
wait "$(cat "$S/pids/rc-logs")" 2>/dev/null || true
rm -f "$S/pids/rc-logs"
code=$(grep -E '^[0-9]+$' "$S/logs/rc-pod.states" | tail -n 1 || true)
[[ $code == 0 ]] || fail "kubectl delete rc kafka-rc: container exit code '$code' (want 0)"
ok "kubectl delete rc kafka-rc: the container exited with code 0 after $((SECONDS - t)) s"
# The supervisor's JSON lines: {"@message":"stopped","child":"kafka",…}.
line_of() { grep -n "\"@message\":\"$1\"" "$S/logs/rc-pod.log" | grep -m1 "\"child\":\"$2\"" | cut -d: -f1; }
kafka_stopped=$(line_of stopped kafka)
zk_stopping=$(line_of stopping zookeeper)
zk_stopped=$(line_of stopped zookeeper)
[[ -n $kafka_stopped && -n $zk_stopping && -n $zk_stopped && $kafka_stopped -lt $zk_stopping ]] ||
	fail "kafka-rc's log does not show Kafka stopped before ZooKeeper stopping: $(grep -i stop "$S/logs/rc-pod.log" | tail -n 5)"
ok "kafka-rc's log: Kafka stopped (line $kafka_stopped), then ZooKeeper stopping (line $zk_stopping) and stopped (line $zk_stopped)"
grep '"@message":"stop' "$S/logs/rc-pod.log" | sed 's/^/k8s-test:   /'

# The seed's own image in the same RC, with only image: changed, as the
# manifests' README tells: Kafka 0.8.2.1 as uid 1001, its message through
# the Service with the seed's commands (0.8's producer takes --broker-list,
# its consumer reads through ZooKeeper). A copy of the RC is patched; that
# patch is the one the README asks of the user.
t=$SECONDS
sed "s|image: $IMAGE|image: $SEED_IMAGE|" k8s/kafka-rc.yaml >"$S/seed-rc.yaml"
grep -q "image: $SEED_IMAGE" "$S/seed-rc.yaml" || fatal "k8s/kafka-rc.yaml names no image $IMAGE"
k create -f "$S/seed-rc.yaml" >/dev/null
pod=""
until pod=$(rc_pod) && [[ -n $pod ]]; do
	((SECONDS - t < 120)) || fail "kafka-rc with $SEED_IMAGE: no running pod after 120 s"
	sleep 1
done
ready "$pod" 180 || fail "kafka-rc with $SEED_IMAGE: pod $pod not Ready after 180 s: $(k logs "$pod" --tail=5 2>&1)"
ok "kafka-rc with $SEED_IMAGE (image: changed only): pod $pod Ready in $((SECONDS - t)) s, as uid $(k exec "$pod" -- id -u)"
msg="seed-through-the-service-$RANDOM"
echo "$msg" | k exec -i "$pod" -- kafka-console-producer.sh --broker-list kafka:9092 \
	--topic kafka-on-kubernetes >"$S/logs/seed-produce.out" 2>&1 ||
	fail "seed image: produce through the Service kafka:9092: $(tail -n 3 "$S/logs/seed-produce.out")"
got=$(k exec "$pod" -- kafka-console-consumer.sh --zookeeper localhost:2181 \
	--topic kafka-on-kubernetes --from-beginning --max-messages 1 2>"$S/logs/seed-consume.err" || true)
[[ $got == "$msg" ]] || fail "seed image: consume: got '$got': $(tail -n 3 "$S/logs/seed-consume.err")"
ok "seed image: a message went through the Service kafka with the seed's own commands"
k delete rc kafka-rc --wait=true --timeout=120s >/dev/null || fail "kafka-rc with $SEED_IMAGE: not deleted in 120 s"
k delete -f k8s/kafka-service.yaml >/dev/null

phase sidecar
t=$SECONDS
k create -f k8s/kafka-sidecar-pod.yaml >/dev/null
ready kafka-sidecar 240 || fail "kafka-sidecar not Ready after 240 s"
roles=$(k get pod kafka-sidecar -o jsonpath='{range .status.initContainerStatuses[*]}{.name}={.ready} {end}{range .status.containerStatuses[*]}{.name}={.ready} {end}')
[[ $roles == *"zookeeper=true"* && $roles == *"kafka=true"* ]] ||
	fail "kafka-sidecar's containers: $roles"
ok "kafka-sidecar Ready in $((SECONDS - t)) s with its two roles: $roles"
# On delete the kubelet stops Kafka first and the ZooKeeper sidecar only
# once Kafka has exited: the supervisors' text logs (each line starts with
# its RFC 3339 time) show Kafka's "stopped" before ZooKeeper's "stop
# requested".
for c in kafka zookeeper; do
	nsenter --net="/run/netns/$NS" "$bin/kubectl" --kubeconfig "$S/admin.kubeconfig" \
		logs -f kafka-sidecar -c "$c" >"$S/logs/sidecar-$c.log" 2>&1 &
	echo "$!" >"$S/pids/logs-$c"
done
t=$SECONDS
k delete pod kafka-sidecar --wait=true --timeout=90s >/dev/null ||
	fail "kafka-sidecar not gone 90 s after kubectl delete"
for c in kafka zookeeper; do wait "$(cat "$S/pids/logs-$c")" 2>/dev/null || true; rm -f "$S/pids/logs-$c"; done
kafka_stopped=$(grep -m1 -E 'supervisor: stopped: child=kafka' "$S/logs/sidecar-kafka.log" | cut -d' ' -f1)
zk_requested=$(grep -m1 -E 'supervisor: stop requested' "$S/logs/sidecar-zookeeper.log" | cut -d' ' -f1)
[[ -n $kafka_stopped && -n $zk_requested && ! $zk_requested < $kafka_stopped ]] ||
	fail "kafka-sidecar's delete: Kafka stopped at '$kafka_stopped', ZooKeeper asked to stop at '$zk_requested'"
ok "kafka-sidecar deleted in $((SECONDS - t)) s: Kafka stopped at $kafka_stopped, ZooKeeper asked to stop at $zk_requested"

phase kraft-rc
# The seed's one-pod form in KRaft: one combined node of Kafka 4.4.0
# behind the Service kafka, which kraft-rc.yaml brings itself.
t=$SECONDS
k create -f k8s/kraft-rc.yaml >/dev/null
pod=""
until pod=$(rc_pod app=kafka-kraft) && [[ -n $pod ]]; do
	((SECONDS - t < 120)) || fail "kraft-rc: no running pod after 120 s"
	sleep 1
done
ready "$pod" 180 || fail "kraft-rc: pod $pod not Ready after 180 s: $(k logs "$pod" --tail=5 2>&1)"
ok "kubectl create -f k8s/kraft-rc.yaml: pod $pod (KRaft, combined) Ready in $((SECONDS - t)) s"
msg="kraft-through-the-service-$RANDOM"
echo "$msg" | k exec -i "$pod" -- kafka-console-producer.sh --bootstrap-server kafka:9092 \
	--topic kafka-on-kubernetes >"$S/logs/kraft-produce.out" 2>&1 ||
	fail "kraft-rc: produce through the Service kafka:9092: $(tail -n 3 "$S/logs/kraft-produce.out")"
got=$(k exec "$pod" -- kafka-console-consumer.sh --bootstrap-server kafka:9092 \
	--topic kafka-on-kubernetes --from-beginning --max-messages 1 --timeout-ms 60000 2>"$S/logs/kraft-consume.err" || true)
[[ $got == "$msg" ]] || fail "kraft-rc: consume through the Service kafka:9092: got '$got': $(tail -n 3 "$S/logs/kraft-consume.err")"
ok "kraft-rc: a message went through the Service kafka (ClusterIP $(k get svc kafka -o jsonpath='{.spec.clusterIP}'))"
t=$SECONDS
watch_exits kraft-rc app=kafka-kraft
k delete -f k8s/kraft-rc.yaml --wait=true --timeout=120s >/dev/null ||
	fail "kubectl delete -f k8s/kraft-rc.yaml: not done in 120 s"
wait_for 120 "kraft-rc's pod $pod gone" in_ns bash -c "! $bin/kubectl --kubeconfig $S/admin.kubeconfig get pod $pod" ||
	fail "kraft-rc's pod $pod not gone 120 s after kubectl delete"
codes=$(exit_codes kraft-rc)
[[ $codes == "$pod=0" ]] || fail "kubectl delete -f k8s/kraft-rc.yaml: exit codes '$codes' (want $pod=0)"
ok "kubectl delete -f k8s/kraft-rc.yaml: done in $((SECONDS - t)) s, the container exited with code 0"

phase kraft-cluster
# kraft-cluster.yaml: 3 controllers (node ids 0-2) and 3 brokers (100-102).
# Their claims bind hostPath PersistentVolumes made for them by name
# (claimRef), so that no other claim takes one.
controllers=(kraft-controller-0 kraft-controller-1 kraft-controller-2)
brokers=(kraft-broker-100 kraft-broker-101 kraft-broker-102)
for p in "${controllers[@]}" "${brokers[@]}"; do
	d=$S/pv/$p
	mkdir -p "$d"
	chown 1001:1001 "$d"
	size=10Gi
	[[ $p == kraft-controller-* ]] && size=1Gi
	cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $p
spec:
  capacity:
    storage: $size
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  claimRef:
    namespace: default
    name: data-$p
  hostPath:
    path: $d
    type: Directory
EOF
done >"$S/manifests/kraft-pv.yaml"
k create -f "$S/manifests/kraft-pv.yaml" >/dev/null
t=$SECONDS
k create -f k8s/kraft-cluster.yaml >/dev/null
for p in "${controllers[@]}" "${brokers[@]}"; do
	wait_for 180 "$p exists" k get pod "$p" || fail "no pod $p"
	ready "$p" 240 || fail "$p not Ready $((SECONDS - t)) s after kubectl create: $(k logs "$p" --tail=3 2>&1)"
done
ok "kubectl create -f k8s/kraft-cluster.yaml: 3 controllers and 3 brokers Ready in $((SECONDS - t)) s"
# The quorum as Kafka's own tool reports it through the brokers.
quorum() {
	k exec kraft-broker-100 -- kafka-metadata-quorum.sh --bootstrap-server kraft-bootstrap:9092 describe --status 2>/dev/null
}
status=$(quorum)
leader=$(awk '/^LeaderId:/ {print $2}' <<<"$status")
voters=$(grep -o '"id": *[0-9]*' <<<"$(grep '^CurrentVoters:' <<<"$status")" | grep -o '[0-9]*$' | sort -n | paste -sd' ' -)
observers=$(grep -o '"id": *[0-9]*' <<<"$(grep '^CurrentObservers:' <<<"$status")" | grep -o '[0-9]*$' | sort -n | paste -sd' ' -)
[[ $leader =~ ^[012]$ && $voters == "0 1 2" && $observers == "100 101 102" ]] ||
	fail "kraft-cluster: quorum leader '$leader', voters '$voters', observers '$observers' (want a leader of 0-2, voters 0 1 2, brokers 100 101 102): $status"
ok "kraft-cluster: controller $leader leads voters $voters; brokers $observers follow"
desc=$(k exec kraft-broker-100 -- kafka-topics.sh --bootstrap-server kraft-bootstrap:9092 --describe --topic kafka-on-kubernetes 2>/dev/null)
rf=$(grep -o 'ReplicationFactor: *[0-9]*' <<<"$desc" | grep -o '[0-9]*$')
isr=$(grep -o 'min.insync.replicas=[0-9]*' <<<"$desc" | grep -o '[0-9]*$')
[[ $rf == 3 && $isr == 2 ]] || fail "kraft-cluster: topic kafka-on-kubernetes: replication factor '$rf', min.insync.replicas '$isr' (want 3 and 2): $desc"
ok "kraft-cluster: topic kafka-on-kubernetes has replication factor 3 and min.insync.replicas 2"
# produce_all POD MSG: one message with acks=all through kraft-bootstrap.
produce_all() {
	echo "$2" | k exec -i "$1" -- kafka-console-producer.sh --bootstrap-server kraft-bootstrap:9092 \
		--topic kafka-on-kubernetes --command-property acks=all >>"$S/logs/kraft-produce-sts.out" 2>&1
}
first="kraft-acks-all-$RANDOM"
produce_all kraft-broker-101 "$first" || fail "kraft-cluster: produce with acks=all: $(tail -n 3 "$S/logs/kraft-produce-sts.out")"
# The leading controller goes: the other two elect a leader, and the
# brokers take acks=all writes while its pod is away and once it is back.
gone=kraft-controller-$leader
uid=$(k get pod "$gone" -o jsonpath='{.metadata.uid}')
t=$SECONDS
k delete pod "$gone" --wait=false >/dev/null
second="kraft-without-$gone-$RANDOM"
produce_all kraft-broker-102 "$second" || fail "kraft-cluster: produce with acks=all after deleting $gone: $(tail -n 3 "$S/logs/kraft-produce-sts.out")"
state=$(k get pod "$gone" -o jsonpath='{.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
case $state in
"") state="gone" ;;
"$uid "*) state="still stopping" ;;
*True) state="back, Ready" ;;
*) state="back, not Ready yet" ;;
esac
ok "kraft-cluster: kubectl delete pod $gone (the leader): a message produced with acks=all $((SECONDS - t)) s later (its pod then: $state)"
new_ready() {
	[[ $(k get pod "$gone" -o jsonpath='{.metadata.uid}') != "$uid" ]] && ready "$gone" 5
}
wait_for 180 "$gone back and Ready" new_ready || fail "kraft-cluster: $gone not back and Ready 180 s after kubectl delete pod"
ok "kraft-cluster: $gone back and Ready in $((SECONDS - t)) s"
status=$(quorum)
leader=$(awk '/^LeaderId:/ {print $2}' <<<"$status")
[[ $leader =~ ^[012]$ ]] || fail "kraft-cluster: no quorum leader after $gone came back: $status"
third="kraft-with-$gone-back-$RANDOM"
produce_all kraft-broker-100 "$third" || fail "kraft-cluster: produce with acks=all after $gone came back: $(tail -n 3 "$S/logs/kraft-produce-sts.out")"
got=$(k exec kraft-broker-102 -- kafka-console-consumer.sh --bootstrap-server kraft-bootstrap:9092 \
	--topic kafka-on-kubernetes --from-beginning --max-messages 3 --timeout-ms 60000 2>/dev/null | sort | tr '\n' ' ' || true)
want=$(printf '%s\n' "$first" "$second" "$third" | sort | tr '\n' ' ')
[[ $got == "$want" ]] || fail "kraft-cluster: consumed '$got', want '$want'"
ok "kraft-cluster: controller $leader leads; the 3 messages produced with acks=all before, during and after were consumed"
# kubectl delete, brokers first: every pod's container exits 0. A broker's
# controlled shutdown needs the quorum; deleted together with the
# controllers, which stop in about 1 s, the brokers waited for it until
# their 25 s grace ran out and were killed (exit code 1). Their logs are
# followed to their ends.
t=$SECONDS
watch_exits kraft-cluster app=kraft
for p in "${controllers[@]}" "${brokers[@]}"; do
	nsenter --net="/run/netns/$NS" "$bin/kubectl" --kubeconfig "$S/admin.kubeconfig" \
		logs -f "$p" >"$S/logs/$p.log" 2>&1 &
	echo "$!" >"$S/pids/logs-$p"
done
# no_pods SELECTOR: no pod of SELECTOR is left.
no_pods() { [[ -z $(k get pods -l "$1" -o name) ]]; }
k delete statefulset kraft-broker --wait=true --timeout=120s >/dev/null ||
	fail "kubectl delete statefulset kraft-broker: not done in 120 s"
wait_for 120 "the brokers gone" no_pods kraft=broker ||
	fail "kubectl delete statefulset kraft-broker: pods left after 120 s: $(k get pods -l kraft=broker -o name | paste -sd' ' -)"
t_brokers=$((SECONDS - t))
k delete -f k8s/kraft-cluster.yaml --ignore-not-found --wait=true --timeout=120s >/dev/null ||
	fail "kubectl delete -f k8s/kraft-cluster.yaml: not done in 120 s"
wait_for 120 "the controllers gone" no_pods app=kraft ||
	fail "kubectl delete -f k8s/kraft-cluster.yaml: pods left after 120 s: $(k get pods -l app=kraft -o name | paste -sd' ' -)"
codes=$(exit_codes kraft-cluster)
for p in "${controllers[@]}" "${brokers[@]}"; do
	wait "$(cat "$S/pids/logs-$p")" 2>/dev/null || true
	rm -f "$S/pids/logs-$p"
done
want=$(printf '%s=0\n' "${brokers[@]}" "${controllers[@]}" | sort | paste -sd' ' -)
[[ $codes == "$want" ]] ||
	fail "kubectl delete: exit codes '$codes' (want $want); the supervisors' last lines:$(for p in "${controllers[@]}" "${brokers[@]}"; do grep 'supervisor:' "$S/logs/$p.log" | tail -n 2 | sed "s/^/\n  $p: /"; done)"
ok "kubectl delete statefulset kraft-broker: the brokers gone in $t_brokers s; then kubectl delete -f k8s/kraft-cluster.yaml: the controllers gone $((SECONDS - t - t_brokers)) s later; every container exited with code 0"
k delete pvc $(printf 'data-%s ' "${controllers[@]}" "${brokers[@]}") --wait=true --timeout=60s >/dev/null
k delete -f "$S/manifests/kraft-pv.yaml" --wait=true --timeout=60s >/dev/null

phase statefulsets
# hostPath PersistentVolumes for the claims of zookeeper.yaml (1Gi) and
# kafka-cluster.yaml (10Gi), owned by uid 1001.
for i in 0 1 2; do
	for c in zk:1Gi kafka:10Gi; do
		d=$S/pv/${c%%:*}-$i
		mkdir -p "$d"
		chown 1001:1001 "$d"
		cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${c%%:*}-$i
spec:
  capacity:
    storage: ${c#*:}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  hostPath:
    path: $d
    type: Directory
EOF
	done
done >"$S/manifests/pv.yaml"
k create -f "$S/manifests/pv.yaml" >/dev/null
t=$SECONDS
k create -f k8s/zookeeper.yaml >/dev/null
for i in 0 1 2; do
	wait_for 240 "zk-$i exists" k get pod "zk-$i" || fail "no pod zk-$i"
	ready "zk-$i" 240 || fail "zk-$i not Ready after 240 s"
done
modes=""
for i in 0 1 2; do
	m=$(k exec "zk-$i" -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181; printf srvr >&3; cat <&3' | awk '/^Mode:/ {print $2}')
	modes+="$m "
done
[[ $(tr ' ' '\n' <<<"$modes" | grep -c '^leader$') == 1 && $(tr ' ' '\n' <<<"$modes" | grep -c '^follower$') == 2 ]] ||
	fail "ZooKeeper StatefulSet: modes $modes (want one leader and two followers)"
ok "ZooKeeper StatefulSet: a quorum of 3 in $((SECONDS - t)) s (modes: $modes)"

t=$SECONDS
k create -f k8s/kafka-cluster.yaml >/dev/null
for i in 0 1 2; do
	wait_for 300 "kafka-$i exists" k get pod "kafka-$i" || fail "no pod kafka-$i"
	ready "kafka-$i" 300 || fail "kafka-$i not Ready after 300 s"
done
# ZooKeeper's own client class (zookeeper-shell.sh runs it, when the
# distribution has that launcher).
ids=$(k exec zk-0 -- kafka-run-class.sh org.apache.zookeeper.ZooKeeperMain -server localhost:2181 \
	ls /brokers/ids 2>/dev/null | tail -n 1)
[[ $ids == "[0, 1, 2]" ]] || fail "Kafka StatefulSet: brokers registered in ZooKeeper: '$ids' (want [0, 1, 2])"
ok "Kafka StatefulSet: 3 brokers registered in $((SECONDS - t)) s: $ids"
desc=$(k exec kafka-0 -- kafka-topics.sh --bootstrap-server kafka-bootstrap:9092 --describe --topic kafka-on-kubernetes 2>/dev/null)
rf=$(grep -o 'ReplicationFactor: *[0-9]*' <<<"$desc" | grep -o '[0-9]*$')
[[ $rf == 3 ]] || fail "topic kafka-on-kubernetes: replication factor '$rf' (want 3): $desc"
isr=$(grep -o 'Isr: *[0-9,]*' <<<"$desc" | sort -u | tr '\n' ' ')
[[ -n $isr && $(grep -c 'Isr: *[0-9]*,[0-9]*,[0-9]*$' <<<"$(grep -o 'Isr: *[0-9,]*' <<<"$desc")") == $(grep -c 'Isr:' <<<"$desc") ]] ||
	fail "topic kafka-on-kubernetes: not every partition has 3 in-sync replicas: $isr"
msg="acks-all-$RANDOM"
echo "$msg" | k exec -i kafka-1 -- kafka-console-producer.sh --bootstrap-server kafka-bootstrap:9092 \
	--topic kafka-on-kubernetes --producer-property acks=all >"$S/logs/produce-sts.out" 2>&1 ||
	fail "produce with acks=all: $(tail -n 3 "$S/logs/produce-sts.out")"
got=$(k exec kafka-2 -- kafka-console-consumer.sh --bootstrap-server kafka-bootstrap:9092 \
	--topic kafka-on-kubernetes --from-beginning --max-messages 1 --timeout-ms 60000 2>/dev/null || true)
[[ $got == "$msg" ]] || fail "consume from the RF 3 topic: got '$got'"
ok "topic kafka-on-kubernetes has replication factor 3 and served a message produced with acks=all"

phase teardown
