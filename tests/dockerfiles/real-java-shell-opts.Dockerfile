FROM eclipse-temurin:17-jre-alpine
COPY target/app.jar /opt/app.jar
ENV JAVA_OPTS="-Xmx512m"
# expect: PI001 PI003
ENTRYPOINT java $JAVA_OPTS -jar /opt/app.jar
