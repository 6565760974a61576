# A stand-in for the seed's base, dockerkafka/kafka as its 2015 builds made
# it, for machines that cannot pull it (scripts/images.sh builds it only
# then). It mirrors the layout DockerKafka/kafka-docker's Dockerfile gave
# that image: Kafka 0.8.2.1 unpacked at /opt/kafka_2.10-0.8.2.1 with its
# stock config/, which is a VOLUME; bin/ on the PATH; an entrypoint that
# points zookeeper.connect at the host "zookeeper" and execs its arguments;
# kafka-server-start.sh as CMD. What differs from the real image: the JRE
# (JRE_IMAGE: Debian's OpenJDK 17 on a stand-in, OpenJDK 8 on java:8-jre),
# and bin/, whose launchers come from the distribution scripts/kafka-dist.sh
# assembles rather than from the release tarball.
ARG JRE_IMAGE=eclipse-temurin:17-jre
FROM ${JRE_IMAGE}
COPY dist/kafka_2.10-0.8.2.1/ /opt/kafka_2.10-0.8.2.1/
ENV PATH=/opt/kafka_2.10-0.8.2.1/bin:$PATH
RUN printf '%s\n' '#!/bin/bash' 'set -e' \
      'if [ "$1" = kafka-server-start.sh ]; then' \
      "  sed -i -r 's|zookeeper.connect=localhost:2181|zookeeper.connect=zookeeper:2181|g' /opt/kafka_2.10-0.8.2.1/config/server.properties" \
      'fi' 'exec "$@"' > /docker-entrypoint.sh \
 && chmod 0755 /docker-entrypoint.sh
ENTRYPOINT ["/docker-entrypoint.sh"]
VOLUME ["/opt/kafka_2.10-0.8.2.1/config"]
EXPOSE 9092
CMD ["kafka-server-start.sh", "/opt/kafka_2.10-0.8.2.1/config/server.properties"]
