# The supervisor's build, its local run and its tests.
KAFKA_VERSION ?= 3.9.1
# The broker versions the matrix tests run on: the seed image's first
# build (0.8.2.1) and its last (0.9.0.1), a 2.x, and the newest.
KAFKA_MATRIX ?= 0.8.2.1 0.9.0.1 2.8.2 3.9.1
# The versions the KRaft tests run a combined node on: 4.x, KRaft only
# (the newest, and 4.0.0, the oldest; the seed scenario only), and 3.9,
# which speaks both. The matrix above runs ZooKeeper mode.
KRAFT_MATRIX ?= 4.4.0 3.9.1 4.0.0
GO ?= go
# go test's limit per package. It asserts nothing: every wait in the tests
# has its own deadline, and the limit only turns a hang into a goroutine
# dump. go test's default of 10m is less than the end-to-end suite takes
# (about 9 min on a quiet 2-core machine, 21-25 min shared with builds).
TEST_TIMEOUT ?= 45m

.PHONY: build run test test-images test-k8s flake bench dist dists propdefs images clean

## build: the static, trimmed supervisor binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/supervisor ./supervisor

## dist: assemble the Kafka distribution from Maven Central (cached in .cache/)
dist:
	scripts/kafka-dist.sh $(KAFKA_VERSION)

## run: ZooKeeper, Kafka and the topic kafka-on-kubernetes, locally; Ctrl-C stops
run: build
	scripts/run.sh

## test: every test, end-to-end ones against the real brokers of the matrix
test: build dists
	TEST_KAFKA_DIST="$$(scripts/kafka-dist.sh $(KAFKA_VERSION))" \
	TEST_KAFKA_DISTS="$$(for v in $(KAFKA_MATRIX); do scripts/kafka-dist.sh $$v; done)" \
	TEST_KRAFT_DISTS="$$(for v in $(KRAFT_MATRIX); do scripts/kafka-dist.sh $$v; done)" \
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) ./...
	$(MAKE) test-images
	$(MAKE) test-k8s

## test-k8s: the manifests of k8s/ on a real single-node Kubernetes in its own network namespace (root; builds the cluster's binaries once, cached outside the repo, about 12 min cold)
test-k8s:
	scripts/k8s-test.sh

## flake: the unit tests 50 times and the end-to-end suite 3 times in a row; one summary line
flake: build dists
	TEST_KAFKA_DIST="$$(scripts/kafka-dist.sh $(KAFKA_VERSION))" \
	TEST_KAFKA_DISTS="$$(for v in $(KAFKA_MATRIX); do scripts/kafka-dist.sh $$v; done)" \
	TEST_KRAFT_DISTS="$$(for v in $(KRAFT_MATRIX); do scripts/kafka-dist.sh $$v; done)" \
	GO=$(GO) TEST_TIMEOUT=$(TEST_TIMEOUT) scripts/flake.sh

## dists: the distributions of every matrix version (cached in .cache/)
dists:
	for v in $(sort $(KAFKA_VERSION) $(KAFKA_MATRIX) $(KRAFT_MATRIX)); do scripts/kafka-dist.sh $$v >/dev/null || exit 1; done

## propdefs: regenerate internal/propdefs/data from the jars of every matrix version
propdefs:
	scripts/propdefs.sh $(sort $(KAFKA_MATRIX) $(KRAFT_MATRIX))

## bench: benchmarks against the real broker; each repeats its own runs and prints medians
bench: build
	TEST_KAFKA_DIST="$$(scripts/kafka-dist.sh $(KAFKA_VERSION))" \
	TEST_KRAFT_DISTS="$$(for v in $(KRAFT_MATRIX); do scripts/kafka-dist.sh $$v; done)" \
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -timeout $(TEST_TIMEOUT) ./...

## images: dockerkafka/kafka:v2 (Dockerfile.kafka), kafka-on-kubernetes/kafka:3.9.1 and :4.4.0 (images/kafka) in a Docker engine (a private one when none answers), on stand-in bases where the real ones are missing
images:
	scripts/images.sh build

## test-images: build the images and prove them in the engine: PID 1, ready, healthy, uid 1001, produce and consume, kill and restart, ordered stop, read-only
test-images:
	scripts/image-test.sh

clean:
	rm -rf bin run
