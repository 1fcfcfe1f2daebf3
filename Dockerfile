# syntax=docker/dockerfile:1
# monitor-analyzer image: drop-in replacement for the SageMaker Model Monitor analyzer container.
# First draft: single architecture, no image-size tuning yet.
#
#   docker build -t monitor-analyzer:latest .      (or: make image)
#
# The base must be Debian bookworm (or compatible): its python3 is 3.11 and the builder's venv
# is copied into the final stage at the same path, against the same interpreter.
ARG BASE_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS builder

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*

RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --upgrade pip

WORKDIR /build
# Dependencies first (better layer caching), then the package itself.
COPY pyproject.toml constraints.txt README.md ./
COPY analyzer/ analyzer/
RUN /opt/venv/bin/pip install --no-cache-dir -c constraints.txt . \
    && /opt/venv/bin/monitor-analyzer --help >/dev/null

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}

# procps: Spark's launcher scripts call `ps`. The man1 directory works around JRE postinst
# failures on slim images, which strip /usr/share/man.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        openjdk-17-jre-headless python3 procps \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17

COPY --from=builder /opt/venv /opt/venv
COPY container/ /opt/program/
RUN chmod 0755 /opt/program/analyze

ENV PATH="/opt/venv/bin:${PATH}" \
    JAVA_HOME=/usr/lib/jvm/java-17 \
    PYSPARK_PYTHON=/opt/venv/bin/python \
    PYSPARK_DRIVER_PYTHON=/opt/venv/bin/python \
    SPARK_CONF_DIR=/opt/program \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LANG=C.UTF-8

# Non-root user for local use: `docker run --user analyzer ...`. The image deliberately keeps
# root as the default user: SageMaker Processing mounts /opt/ml/processing/* owned by root, and a
# non-root default user cannot write the job outputs or /opt/ml/output/message there.
RUN useradd --create-home --uid 1000 --user-group --shell /usr/sbin/nologin analyzer

WORKDIR /opt/program
ENTRYPOINT ["/opt/program/analyze"]
