# Sanad: the Telegram bot with the seed articles baked in; mount your own sources at /data.
#   docker build -t sanad .
#   docker run -e SANAD_TELEGRAM_TOKEN=... -e SANAD_ADMIN_IDS=111 -v $PWD/articles:/data sanad
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SANAD_SOURCES_DIR=/data SANAD_HEALTH_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY retrieval ./retrieval
RUN pip install --no-cache-dir .

# Seeds are the default collection; a volume mounted at /data replaces them.
COPY seeds /data
RUN useradd --create-home --uid 10001 sanad && chown -R sanad /data
USER sanad

VOLUME ["/data"]
EXPOSE 8080 8443
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2).status == 200 else 1)"

CMD ["sanad", "telegram"]
