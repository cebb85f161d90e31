# lsc-engine: the readiness service (lsc serve) and its command line. Two stages: the first builds wheels of the
# locked dependencies and of lsc-engine with a compiler; the second installs them, offline, into a slim image
# that has none.
FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# durable-rules is published as source only and needs a C compiler, as does the evaluation core mypyc compiles.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The build backends and then the dependencies, each checked against its lock's hashes and built with nothing
# fetched beyond them; these layers are rebuilt only when a lock changes.
COPY requirements/build.txt requirements/runtime.txt requirements/
RUN pip install --require-hashes --no-deps -r requirements/build.txt \
    && pip wheel --require-hashes --no-deps --no-build-isolation -r requirements/runtime.txt -w /wheels
# mypyc reads the types the evaluation core uses (pydantic's, msgspec's) from the installed dependencies.
RUN pip install --no-index --no-deps /wheels/*.whl
COPY pyproject.toml hatch_build.py README.md LICENSE ./
COPY lsc_engine ./lsc_engine
COPY api ./api
COPY rules ./rules
RUN pip wheel --no-deps --no-build-isolation . -w /wheels


FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LSC_DATA_DIR=/data

# WeasyPrint renders letters with Pango and needs a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Exactly the wheels the first stage built (the locked set and lsc-engine, rules included), from no index; the
# wheels are mounted for this step only, so no copy of them stays in the image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --no-deps /wheels/*.whl \
    && pip check \
    && useradd --create-home --uid 10001 lsc \
    && mkdir -p /data \
    && chown 10001:10001 /data

USER 10001
WORKDIR /home/lsc
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["lsc"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
