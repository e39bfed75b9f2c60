# The akmon agent: a JRE and libbpf. Build from the repository root after ./akmon build:
#   docker build -f deploy/docker/agent.Dockerfile -t akmon-agent .
# Ubuntu 24.04 base: libbpf 1.x, as the agent needs
FROM eclipse-temurin:17-jre-noble
RUN apt-get update && apt-get install -y --no-install-recommends libbpf1 && rm -rf /var/lib/apt/lists/*
COPY probe-agent/target/akmon-agent.jar /opt/akmon/akmon-agent.jar
ENTRYPOINT ["java", "-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-jar", "/opt/akmon/akmon-agent.jar"]
