FROM node:20-alpine
RUN apk add --no-cache tini
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
COPY . .
ENTRYPOINT ["/sbin/tini", "--"]
# expect: PI014
CMD ["yarn", "start"]
