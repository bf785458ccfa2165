FROM node:18-bullseye-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci
ENTRYPOINT ["tini", "--"]
# expect: PI014
CMD ["npm", "run", "serve", "--", "--port", "8080"]
