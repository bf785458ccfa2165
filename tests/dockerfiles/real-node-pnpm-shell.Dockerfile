FROM node:20-slim
RUN apt-get update && apt-get install -y --no-install-recommends dumb-init && corepack enable
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build
ENTRYPOINT ["dumb-init", "--"]
# expect: PI002 PI014
CMD pnpm start
