FROM eclipse-temurin:21-jre
COPY target/app.jar /app.jar
# expect: PI012
ENTRYPOINT ["tini", "--", "java", "-jar", "/app.jar"]
