# Flink 1.20 with the akmon job jar under /opt/akmon. Build from the repository root after ./akmon build:
#   docker build -f deploy/docker/jobs.Dockerfile -t akmon-flink .
FROM flink:1.20.1-java17
COPY flink-jobs/target/akmon-flink-jobs.jar /opt/akmon/akmon-flink-jobs.jar
