# lsc-engine: the readiness service (lsc serve) and its command line.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LSC_RULES_DIR=/app/rules \
    LSC_DATA_DIR=/data

# durable-rules is published as source only and needs a C compiler; WeasyPrint needs Pango and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY lsc_engine ./lsc_engine
COPY api ./api
COPY rules ./rules
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 lsc \
    && mkdir -p /data \
    && chown 10001:10001 /data

USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["lsc"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
