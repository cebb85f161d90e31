# lsc-engine: the evaluation core and its command line.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# durable-rules is published as source only and needs a C compiler to build.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV LSC_RULES_DIR=/app/rules
COPY pyproject.toml README.md ./
COPY lsc_engine ./lsc_engine
COPY api ./api
COPY rules ./rules
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 lsc

USER 10001
HEALTHCHECK --interval=30s --timeout=5s CMD ["lsc", "rules", "list"]
ENTRYPOINT ["lsc"]
CMD ["check", "fixtures/seed-moc-mds-2020-03.json"]
