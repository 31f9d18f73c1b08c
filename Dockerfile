FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY tsconfig.json ./
ENV NODE_ENV=production
EXPOSE 3000
CMD ["node", "bin/qoem.js", "start"]
