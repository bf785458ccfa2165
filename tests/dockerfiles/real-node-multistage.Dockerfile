FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-alpine
RUN apk add --no-cache dumb-init
COPY --from=build /app/dist /app
COPY --from=build /app/node_modules /app/node_modules
WORKDIR /app
ENTRYPOINT ["dumb-init", "--"]
CMD ["node", "index.js"]
