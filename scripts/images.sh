#!/usr/bin/env bash
# images.sh [bases | build | save DIR]: the project's images, built where no
# registry can be reached.
#
#   bases     choose each base image: the real one when the engine has it
#             (or IMAGES_PULL=1 and it can be pulled), else a local
#             stand-in, made once and cached as a tarball.
#   build     (the default) bases, then the images:
#               dockerkafka/kafka:v2             Dockerfile.kafka (0.8.2.1)
#               dockerkafka/kafka:v2-0.9.0.1     Dockerfile.kafka on latest
#               kafka-on-kubernetes/kafka:3.9.1  images/kafka (ZooKeeper mode)
#               kafka-on-kubernetes/kafka:4.4.0  images/kafka (KRaft)
#   save DIR  build, then one `docker save` tarball per image into DIR,
#             named <repository with / as _>_<tag>.tar.
#
# The stand-ins, made only when the real base is missing:
#   - JRE: Debian bookworm's openjdk-17-jre-headless (mmdebstrap, then
#     docker import) for eclipse-temurin:17-jre;
#   - Go: a Debian rootfs with this machine's Go toolchain (/usr/local/go)
#     and the module cache go.sum needs, offline (GOPROXY=off), for golang;
#   - seed: images/standin/dockerkafka.Dockerfile on the JRE stand-in, with
#     Kafka 0.8.2.1 at /opt/kafka_2.10-0.8.2.1 (the 2015 builds), and 0.9.0.1
#     at /opt/kafka (latest), for dockerkafka/kafka.
# The Kafka distributions come from scripts/kafka-dist.sh through the build
# context (KAFKA_DIST=context) unless IMAGES_KAFKA_DIST=archive.
#
# It uses the Docker engine that answers, or starts a private one for its
# run (scripts/docker-engine.sh). Environment: IMAGES_CACHE (stand-in tarballs, default
# /var/cache/kafka-on-kubernetes/images, outside the repository so that a
# fresh clone reuses them), IMAGES_PULL, IMAGES_KAFKA_DIST, KAFKA_DIST_CACHE.
set -euo pipefail
# The stand-ins are made inside $(…): a failure there must end the script.
shopt -s inherit_errexit

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
cache="${IMAGES_CACHE:-/var/cache/kafka-on-kubernetes/images}"
docker=/usr/bin/docker
export DOCKER_BUILDKIT=1
kafka_dist="${IMAGES_KAFKA_DIST:-context}"

# The images this script builds, as "name dockerfile kafka-version".
images=(
  "dockerkafka/kafka:v2 Dockerfile.kafka 0.8.2.1"
  "dockerkafka/kafka:v2-0.9.0.1 Dockerfile.kafka 0.9.0.1"
  "kafka-on-kubernetes/kafka:3.9.1 images/kafka/Dockerfile 3.9.1"
  "kafka-on-kubernetes/kafka:4.4.0 images/kafka/Dockerfile 4.4.0"
)

log() { echo "images.sh: $*" >&2; }

# arg_default FILE NAME: the default of a build argument in FILE.
arg_default() { sed -n "s/^ARG $2=//p" "$1" | sed -n 1p; }

go_version="$(arg_default images/kafka/Dockerfile GO_VERSION)"
real_go="golang:$go_version"
real_jre="$(arg_default images/kafka/Dockerfile JRE_IMAGE)"
real_seed="$(arg_default Dockerfile.kafka SEED_IMAGE)"

have_image() { "$docker" image inspect "$1" >/dev/null 2>&1; }

# real IMAGE: IMAGE is in the engine, or may be and can be pulled. Nothing
# is pulled unless IMAGES_PULL=1: on a machine whose only reachable hosts
# are package registries, a pull would send packets elsewhere.
real() {
  have_image "$1" && return 0
  [[ "${IMAGES_PULL:-}" == 1 ]] && "$docker" pull -q "$1" >/dev/null 2>&1
}

# debian_sources: the host's Debian sources, for mmdebstrap to use the same
# mirror as apt does here; or the suite's default mirror.
debian_sources() {
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    echo /etc/apt/sources.list.d/debian.sources
  else
    echo http://deb.debian.org/debian
  fi
}

need_mmdebstrap() {
  command -v mmdebstrap >/dev/null && return
  log "installing mmdebstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}

# import TAR NAME ENV...: docker import TAR as NAME with the ENV lines.
import() {
  local tar="$1" name="$2" changes=() e
  shift 2
  for e in "$@"; do changes+=(--change "ENV $e"); done
  "$docker" import "${changes[@]}" --change 'CMD ["bash"]' "$tar" "$name" >/dev/null
}

# standin_jre: Debian's OpenJDK 17 JRE, with passwd for useradd.
standin_jre() {
  local name=kafka-on-kubernetes/standin-jre:17 tar="$cache/jre-bookworm-openjdk17.tar"
  if ! have_image "$name"; then
    if [[ ! -s "$tar" ]]; then
      need_mmdebstrap
      log "making the JRE stand-in with mmdebstrap (once; cached as $tar)"
      mkdir -p "$cache"
      nice -n 10 mmdebstrap --quiet --format=tar --variant=apt --include=openjdk-17-jre-headless,passwd \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
        bookworm "$tar.part" "$(debian_sources)"
      mv "$tar.part" "$tar"
    fi
    import "$tar" "$name" 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      'JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' 'LANG=C.UTF-8'
  fi
  echo "$name"
}

# standin_go: this machine's Go toolchain and the modules go.sum names, on
# a minimal Debian; offline (GOPROXY=off). Keyed by the toolchain and
# go.sum, since both are inside.
standin_go() {
  local gov key name tar work
  gov="$(/usr/local/go/bin/go env GOVERSION)"
  key="$gov-$(sha256sum go.sum | cut -c1-12)"
  name="kafka-on-kubernetes/standin-golang:$key"
  tar="$cache/golang-$key.tar"
  if ! have_image "$name"; then
    if [[ ! -s "$tar" ]]; then
      need_mmdebstrap
      log "making the Go stand-in ($gov) with mmdebstrap (once; cached as $tar)"
      mkdir -p "$cache"
      work="$(mktemp -d)"
      # The modules, from this machine's module cache where it has them,
      # else from the module proxy.
      GOMODCACHE="$work/mod" GOFLAGS=-mod=mod \
        GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" \
        nice -n 10 go mod download
      nice -n 10 mmdebstrap --quiet --format=tar --variant=essential \
        --customize-hook='mkdir -p "$1"/usr/local "$1"/go/pkg' \
        --customize-hook="copy-in /usr/local/go /usr/local" \
        --customize-hook="copy-in $work/mod /go/pkg" \
        bookworm "$tar.part" "$(debian_sources)"
      chmod -R u+w "$work" && rm -rf "$work"
      rm -f "$cache"/golang-*.tar
      mv "$tar.part" "$tar"
    fi
    import "$tar" "$name" 'PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      'GOPATH=/go' 'GOTOOLCHAIN=local' 'GOPROXY=off' 'GOFLAGS=-mod=mod'
  fi
  echo "$name"
}

# stage_dist VERSION: the distribution of VERSION in the build context, at
# dist/<name>/ (git ignores dist/): its bin/, config/ and libs/, hard-linked
# where the filesystem allows; not what running it left (logs/).
stage_dist() {
  local src name d same=1
  src="$(scripts/kafka-dist.sh "$1")"
  name="$(basename "$src")"
  for d in bin config libs; do
    diff -rq "$src/$d" "dist/$name/$d" >/dev/null 2>&1 || same=""
  done
  [[ -z "$same" ]] || return 0
  rm -rf "dist/$name"
  mkdir -p "dist/$name"
  for d in bin config libs; do
    cp -al "$src/$d" "dist/$name/" 2>/dev/null || cp -a "$src/$d" "dist/$name/"
  done
}

# standin_seed JRE VERSION DIR: the seed's layout with Kafka VERSION at DIR
# on JRE.
standin_seed() {
  local name="kafka-on-kubernetes/standin-dockerkafka:$2" dist
  if ! have_image "$name"; then
    stage_dist "$2"
    dist="$(basename "$(scripts/kafka-dist.sh "$2")")"
    log "building the seed stand-in $name"
    nice -n 10 "$docker" build -q --network host -f images/standin/dockerkafka.Dockerfile \
      --build-arg JRE_IMAGE="$1" --build-arg KAFKA_DIST="$dist" --build-arg KAFKA_DIR="$3" \
      -t "$name" . >/dev/null
  fi
  echo "$name"
}

bases() {
  if real "$real_go"; then go_image="$real_go"; else go_image="$(standin_go)"; fi
  if real "$real_jre"; then jre_image="$real_jre"; else jre_image="$(standin_jre)"; fi
  # The seed's 2015 build (0.8.2.1) has no tag a registry still serves: it
  # is always the stand-in. latest, the 0.9.0.1 build, is the real one where
  # the engine has it.
  seed_08="$(standin_seed "$jre_image" 0.8.2.1 /opt/kafka_2.10-0.8.2.1)"
  if real "$real_seed"; then seed_09="$real_seed"; else seed_09="$(standin_seed "$jre_image" 0.9.0.1 /opt/kafka)"; fi
  log "bases: GO_IMAGE=$go_image JRE_IMAGE=$jre_image SEED_IMAGE=$seed_08 (0.8.2.1), $seed_09 (0.9.0.1)"
}

build() {
  bases
  local spec name file version start args build_log
  build_log="$(mktemp)"
  for spec in "${images[@]}"; do
    read -r name file version <<<"$spec"
    args=(--build-arg "GO_IMAGE=$go_image")
    if [[ "$file" == Dockerfile.kafka ]]; then
      if [[ "$version" == 0.8.* ]]; then seed_image="$seed_08"; else seed_image="$seed_09"; fi
      args+=(--build-arg "SEED_IMAGE=$seed_image")
    else
      args+=(--build-arg "JRE_IMAGE=$jre_image" --build-arg "KAFKA_VERSION=$version" --build-arg "KAFKA_DIST=$kafka_dist")
      [[ "$kafka_dist" != context ]] || stage_dist "$version"
    fi
    start=$SECONDS
    log "building $name ($file)"
    if ! nice -n 10 "$docker" build --network host --progress plain -f "$file" "${args[@]}" -t "$name" . >"$build_log" 2>&1; then
      tail -30 "$build_log" >&2
      log "building $name failed (its last lines above)"
      return 1
    fi
    log "built $name in $((SECONDS - start)) s"
  done
  rm -f "$build_log"
  # Drop the images these builds replaced, and keep the build cache to
  # what warm builds reuse (under vfs every layer is a full copy).
  "$docker" image prune -f >/dev/null
  "$docker" builder prune -f --keep-storage 6GB >/dev/null
}

save() {
  local dir="$1" spec name file version
  build
  mkdir -p "$dir"
  for spec in "${images[@]}"; do
    read -r name file version <<<"$spec"
    "$docker" save -o "$dir/$(echo "${name%:*}" | tr / _)_${name##*:}.tar" "$name"
  done
  log "saved ${#images[@]} images in $dir"
}

# An engine: the one that answers, else a private one for this run.
if ! "$repo_root/scripts/docker-engine.sh" env >/dev/null 2>&1; then
  "$repo_root/scripts/docker-engine.sh" start
  trap '"$repo_root/scripts/docker-engine.sh" stop' EXIT
fi
eval "$("$repo_root/scripts/docker-engine.sh" env)"

case "${1:-build}" in
  bases) bases ;;
  build) build ;;
  save)
    [[ -n "${2:-}" ]] || { echo "usage: images.sh save DIR" >&2; exit 2; }
    save "$2"
    ;;
  *) echo "usage: images.sh [bases | build | save DIR]" >&2; exit 2 ;;
esac
