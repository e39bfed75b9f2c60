# The akmon agent: a JRE, libbpf and libseccomp. Build from the repository root after ./akmon build:
#   docker build -f deploy/docker/agent.Dockerfile -t akmon-agent .
# Ubuntu 24.04 base: libbpf 1.x, as the agent needs
FROM eclipse-temurin:17-jre-noble
RUN apt-get update && apt-get install -y --no-install-recommends libbpf1 libseccomp2 && rm -rf /var/lib/apt/lists/*
COPY probe-agent/target/akmon-agent.jar /opt/akmon/akmon-agent.jar
# The container starts as root holding only BPF, PERFMON, SETUID, SETGID and SETPCAP (see the DaemonSet and
# docker-compose.yml); setpriv then runs the agent as nobody with CAP_BPF and CAP_PERFMON alone, and
# empties the bounding set of everything else, as systemd's User= and AmbientCapabilities= do.
# (A container that starts as a non-root user cannot be given capabilities without ambient support.)
ENTRYPOINT ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=-all,+bpf,+perfmon", "--bounding-set=-all,+bpf,+perfmon", "--", "java", "-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-jar", "/opt/akmon/akmon-agent.jar"]
