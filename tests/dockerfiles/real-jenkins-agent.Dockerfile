FROM jenkins/inbound-agent:latest-jdk21
USER root
RUN apt-get update && apt-get install -y --no-install-recommends git-lfs
USER jenkins
# expect: PI012:warning
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/jenkins-agent"]
