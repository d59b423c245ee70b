# nginx image with both built front ends: admin SPA at /admin/, owner H5 at /h5/.
# Build from the repository root:  docker build -f deploy/frontend.Dockerfile -t kckp-web .
FROM node:20 AS admin
ARG VITE_TILE_URL=""
ARG VITE_TILE_ATTRIBUTION=""
ENV VITE_TILE_URL=$VITE_TILE_URL VITE_TILE_ATTRIBUTION=$VITE_TILE_ATTRIBUTION
WORKDIR /src/admin-frontend
COPY admin-frontend/package.json admin-frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY admin-frontend/ ./
RUN npm run build

FROM node:20 AS h5
# Unset means the JS-SDK default in src/services/wechat.ts; keep it in line with the CSP in nginx/kckp.conf.
ARG VITE_WX_JSSDK_URL
WORKDIR /src/wechat-h5
COPY wechat-h5/package.json wechat-h5/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY wechat-h5/ ./
RUN npm run build

FROM nginx:1.27-alpine
RUN rm -f /etc/nginx/conf.d/default.conf
COPY deploy/nginx/kckp.conf /etc/nginx/conf.d/kckp.conf
COPY deploy/nginx/security-headers.conf deploy/nginx/proxy-headers.conf /etc/nginx/snippets/
COPY --from=admin /src/admin-frontend/dist /usr/share/nginx/html/admin
COPY --from=h5 /src/wechat-h5/dist /usr/share/nginx/html/h5
EXPOSE 80 443
