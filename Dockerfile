# monitor-analyzer: a drop-in replacement for the SageMaker Model Monitor analyzer image.
#
#   docker build -t monitor-analyzer:latest .            (wherever Docker Hub is reachable)
#   make image                                           (any machine like ours: see container/build-image.sh)
#
# The base must be Debian bookworm (or compatible): its python3 is 3.11 and the builder's venv is
# copied into the final stage at the same path, for the same interpreter.
ARG BASE_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS builder

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# Byte code is compiled here, once: a job imports pandas, pyarrow and PySpark at every start.
# Optional inputs from `make image`: wheels built on the host from the pinned constraints (the
# build then downloads nothing) and the host's CA bundle (pip behind a TLS-inspecting proxy).
# Both stay in this stage.
COPY container/build-ca/ /tmp/build-ca/
COPY container/wheels/ /tmp/wheels/
COPY container/unused-jars.txt /tmp/

WORKDIR /build
COPY pyproject.toml constraints.txt README.md ./
COPY analyzer/ analyzer/
RUN set -eu; \
    cert=""; [ -s /tmp/build-ca/ca-bundle.crt ] && cert="--cert /tmp/build-ca/ca-bundle.crt"; \
    offline=""; ls /tmp/wheels/*.whl >/dev/null 2>&1 && offline="--no-index --find-links /tmp/wheels"; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir $cert $offline -c constraints.txt . ; \
    /opt/venv/bin/monitor-analyzer --help >/dev/null; \
    cd /opt/venv/lib/python3.11/site-packages/pyspark/jars; \
    grep -v '^#' /tmp/unused-jars.txt | while read -r pattern; do rm -f $pattern; done; \
    find /opt/venv -name '__pycache__' -prune -exec rm -rf {} +; \
    /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib/python3.11/site-packages >/dev/null || true

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}

# The runtime only: Java 17 for Spark, Python 3.11 for the venv, procps for Spark's scripts, tini
# as PID 1 (signals forwarded, orphans reaped: the entrypoint runs under it), no compilers. The man1
# directory works around the JRE's postinst on images that strip /usr/share/man.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        openjdk-17-jre-headless python3 procps tini \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17

COPY --from=builder /opt/venv /opt/venv
COPY container/analyze container/spark-defaults.conf /opt/program/

# The analysis runs as this user. Started as root (as SageMaker may run it), the entrypoint makes
# the job's output directories its own and drops to it; started as any other user, it runs as is.
RUN useradd --create-home --uid 1000 --user-group --shell /usr/sbin/nologin analyzer \
    && mkdir -p /opt/ml/processing /opt/ml/output /opt/ml/config \
    && chown -R analyzer:analyzer /opt/ml \
    && chmod 0755 /opt/program/analyze

ENV PATH="/opt/venv/bin:${PATH}" \
    JAVA_HOME=/usr/lib/jvm/java-17 \
    PYSPARK_PYTHON=/opt/venv/bin/python \
    PYSPARK_DRIVER_PYTHON=/opt/venv/bin/python \
    SPARK_CONF_DIR=/opt/program \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LANG=C.UTF-8

WORKDIR /opt/program
ENTRYPOINT ["/opt/program/analyze"]
