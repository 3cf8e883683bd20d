# syntax=docker/dockerfile:1
# Sanad: the Telegram and Discord bots, with the seed articles baked in at /data (README,
# "Docker"). `sanad run` starts every platform whose token is set, over one index.
#   docker build -t sanad .
#   docker run -d --name sanad -e SANAD_TELEGRAM_TOKEN=... -e SANAD_ADMIN_IDS=111 \
#     -v sanad-data:/data sanad
#   docker run -d --name sanad -e SANAD_DISCORD_TOKEN=... -e SANAD_DISCORD_ADMIN_IDS=111 \
#     -v sanad-data:/data sanad
# Discord HTTP interactions (replicas): add -e SANAD_DISCORD_PUBLIC_KEY=... -p 8090:8090 and set
# the portal's Interactions Endpoint URL to https://<host>/interactions (README, "Discord").
# Needs BuildKit (Docker's default builder since 23.0; podman and buildah have it too).
ARG PYTHON_IMAGE=python:3.12-slim

# The runtime dependencies listed in pyproject.toml, as a requirements file.
FROM ${PYTHON_IMAGE} AS requirements
COPY pyproject.toml /src/
RUN python -c "import tomllib; print(*tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /src/requirements.txt

# Dependencies alone: a change to the code, or to pyproject.toml that leaves the list as it is
# (tests, lint settings), does not reinstall them (this layer is keyed on requirements.txt).
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/sanad
COPY --from=requirements /src/requirements.txt /src/
RUN /opt/sanad/bin/pip install --requirement /src/requirements.txt

# The code as a wheel; build/ and sanad.egg-info stay behind in this stage.
FROM deps AS wheel
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY retrieval /src/retrieval
RUN /opt/sanad/bin/pip wheel --no-deps --wheel-dir /wheels /src

FROM ${PYTHON_IMAGE}
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena, and every
# reload's engine left memory behind in them (bench/soak.py on the seeds: RSS 60 -> 146 MB in
# three minutes of reloads and snapshot replacements, 90 MB with two arenas; BENCHMARKS.md).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/sanad/bin:$PATH \
    SANAD_SOURCES_DIR=/data SANAD_HEALTH_PORT=8080 SANAD_DISCORD_INTERACTIONS_PORT=8090 \
    MALLOC_ARENA_MAX=2
RUN groupadd --gid 10001 sanad && useradd --uid 10001 --gid 10001 --create-home sanad \
 && install -d -o sanad -g sanad /data
COPY --from=deps /opt/sanad /opt/sanad
RUN --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    pip install --no-deps --no-cache-dir --disable-pip-version-check /wheels/*.whl

# The default collection, owned by the bot's user so uploads and the index snapshot can be
# written. A new named volume at /data starts as a copy of it; a bind mount replaces it and
# must be writable by uid 10001 (or run with --user): README, "Docker".
COPY --chown=sanad:sanad seeds /data
# config.toml, if any, is read from here (or from SANAD_CONFIG).
WORKDIR /app
USER sanad

VOLUME ["/data"]
# 8080: GET /health (SANAD_HEALTH_PORT); 8443: the webhook (webhook_port), behind a TLS proxy;
# 8090: Discord's HTTP interactions, used only once SANAD_DISCORD_PUBLIC_KEY is set too.
EXPOSE 8080 8443 8090
# Asks the port the bot is configured with (SANAD_HEALTH_PORT or config.toml), not a fixed one.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s CMD ["sanad", "health"]

CMD ["sanad", "run"]
