# One image for every Strom app; docker-compose.yml picks the app with `command`.
FROM node:24-bookworm-slim AS build
WORKDIR /strom
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY apps ./apps
COPY libs ./libs
COPY prisma ./prisma
COPY scripts/build-console.mjs scripts/bundle-cli.mjs ./scripts/
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /strom
COPY --from=build /strom /strom
ENV NODE_ENV=production
USER node
CMD ["node", "apps/strom/dist/main.js", "start", "--host", "0.0.0.0", "--admin-host", "0.0.0.0"]
