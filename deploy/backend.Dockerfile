# Backend image: Django + DRF + Channels under uvicorn; the same image runs the Celery worker and beat.
# Build from the repository root:  docker build -f deploy/backend.Dockerfile -t kckp-backend .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    KCKP_VAR_DIR=/var/lib/kckp

WORKDIR /app
COPY backend/requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt

COPY backend/ /app/
RUN useradd --system --uid 1000 --home-dir /var/lib/kckp kckp \
    && mkdir -p /var/lib/kckp/tmp /var/lib/kckp/beat \
    && chown -R kckp:kckp /var/lib/kckp
USER kckp

EXPOSE 8000
# No access log: request lines carry query strings (WebSocket tickets, phone digits of the track page).
# /static/ (Django admin, API docs UI) is served by the ASGI app itself.
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", \
     "--ws", "websockets", "--lifespan", "off", "--proxy-headers", "--forwarded-allow-ips", "*", "--no-access-log"]
