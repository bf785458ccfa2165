FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q dependency:go-offline
COPY src ./src
RUN mvn -q package -DskipTests

FROM eclipse-temurin:21-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/app.jar /app/app.jar
ENTRYPOINT ["/usr/bin/tini", "--", "java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
