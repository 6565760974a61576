# A stand-in for the seed's base, dockerkafka/kafka as its 2015 builds
# (0.8.2.1) and its last build (0.9.0.1) made it, for machines that cannot
# pull it (scripts/images.sh builds it only
# then). It mirrors the layout DockerKafka/kafka-docker's Dockerfile gave
# that image: Kafka unpacked at KAFKA_DIR with its stock config/, which is
# a VOLUME; bin/ on the PATH; an entrypoint that
# points zookeeper.connect at the host "zookeeper" and execs its arguments;
# kafka-server-start.sh as CMD. What differs from the real image: the JRE
# (JRE_IMAGE: Debian's OpenJDK 17 on a stand-in, OpenJDK 8 on java:8-jre),
# and bin/, whose launchers come from the distribution scripts/kafka-dist.sh
# assembles rather than from the release tarball.
ARG JRE_IMAGE=eclipse-temurin:17-jre
FROM ${JRE_IMAGE}
# The 2015 builds: kafka_2.10-0.8.2.1 at /opt/kafka_2.10-0.8.2.1; the last
# (2016, the tag latest): kafka_2.11-0.9.0.1 at /opt/kafka.
ARG KAFKA_DIST=kafka_2.10-0.8.2.1
ARG KAFKA_DIR=/opt/kafka_2.10-0.8.2.1
COPY dist/${KAFKA_DIST}/ ${KAFKA_DIR}/
ENV PATH=${KAFKA_DIR}/bin:$PATH \
    SEED_KAFKA_DIR=${KAFKA_DIR}
RUN printf '%s\n' '#!/bin/bash' 'set -e' \
      'if [ "$1" = kafka-server-start.sh ]; then' \
      "  sed -i -r 's|zookeeper.connect=localhost:2181|zookeeper.connect=zookeeper:2181|g' ${KAFKA_DIR}/config/server.properties" \
      'fi' 'exec "$@"' > /docker-entrypoint.sh \
 && chmod 0755 /docker-entrypoint.sh
ENTRYPOINT ["/docker-entrypoint.sh"]
VOLUME ["${KAFKA_DIR}/config"]
EXPOSE 9092
# The real images give the path literally in an exec-form CMD; an exec
# form cannot name a build argument, so the stand-in's shell expands it.
CMD ["sh", "-c", "exec kafka-server-start.sh \"$SEED_KAFKA_DIR/config/server.properties\""]
