#!/usr/bin/env bash
# Build the monitor-analyzer image on a machine like ours: `make image` runs this.
#
#   container/build-image.sh [IMAGE]          (default monitor-analyzer:latest)
#
# 1. Starts a Docker engine when none answers (installing Debian's docker.io when missing).
# 2. Uses $BASE_IMAGE (default debian:bookworm-slim) when it is present or can be pulled; when no
#    registry is reachable, makes an equivalent Debian bookworm base with debootstrap and imports it
#    as monitor-analyzer-base:bookworm (once; later builds reuse it).
# 3. Passes this machine's CA bundle to the build stage when there is one (for pip behind a
#    TLS-inspecting proxy); the final image does not contain it.
# 4. Builds, runs the image's self-check and prints the image size.
set -euo pipefail

IMAGE="${1:-${IMAGE:-monitor-analyzer:latest}}"
BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
LOCAL_BASE="${LOCAL_BASE:-monitor-analyzer-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SETUPTOOLS=80.9.0  # the image's build backend, pinned like everything else
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

say() { echo "==> $*"; }

ensure_engine() {
    if docker info >/dev/null 2>&1; then
        return
    fi
    if ! command -v dockerd >/dev/null 2>&1; then
        say "installing Debian's docker.io"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io
    fi
    say "starting dockerd (log: /tmp/dockerd.log)"
    $SUDO bash -c 'nohup dockerd >/tmp/dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && return
        sleep 1
    done
    echo "error: dockerd did not come up; see /tmp/dockerd.log" >&2
    tail -20 /tmp/dockerd.log >&2 || true
    exit 1
}

ensure_base() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        return
    fi
    if timeout 120 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
        say "pulled $BASE_IMAGE"
        return
    fi
    say "$BASE_IMAGE cannot be pulled (no registry reachable?): using a debootstrap base"
    BASE_IMAGE="$LOCAL_BASE"
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        return
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
    fi
    local rootfs
    rootfs="$(mktemp -d /tmp/monitor-analyzer-rootfs.XXXXXX)"
    say "debootstrap --variant=minbase bookworm from $MIRROR (about a minute)"
    $SUDO debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >/tmp/debootstrap.log 2>&1 \
        || { tail -20 /tmp/debootstrap.log >&2; exit 1; }
    # What the slim image leaves out too: apt lists and caches.
    $SUDO rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    $SUDO tar -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
    $SUDO rm -rf "$rootfs"
    say "imported $BASE_IMAGE"
}

stage_ca_bundle() {
    local target="$ROOT/container/build-ca/ca-bundle.crt"
    rm -f "$target"
    local bundle="${SSL_CERT_FILE:-${REQUESTS_CA_BUNDLE:-}}"
    if [ -n "$bundle" ] && [ -s "$bundle" ]; then
        cp "$bundle" "$target"
        say "passing the CA bundle $bundle to the build stage"
    fi
}

stage_wheels() {
    # Every pinned dependency and the build backend as wheels on the host (pip's cache makes this
    # quick), so the image build is offline and installs exactly constraints.txt.
    local pip="$ROOT/.venv/bin/pip"
    [ -x "$pip" ] || { say "no .venv: the image build installs from PyPI"; return; }
    say "building wheels of the pinned dependencies into container/wheels"
    rm -f "$ROOT"/container/wheels/*.whl
    "$pip" wheel -q -c "$ROOT/constraints.txt" --wheel-dir "$ROOT/container/wheels" "$ROOT"
    "$pip" download -q --no-deps "setuptools==$SETUPTOOLS" -d "$ROOT/container/wheels"
    rm -f "$ROOT"/container/wheels/monitor_analyzer-*.whl  # the package itself is built in the image
}

ensure_engine
ensure_base
stage_ca_bundle
stage_wheels
say "docker build -t $IMAGE (base $BASE_IMAGE)"
docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" "$ROOT"
rm -f "$ROOT/container/build-ca/ca-bundle.crt"
docker run --rm --entrypoint /opt/venv/bin/monitor-analyzer "$IMAGE" --help >/dev/null
bytes="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
say "built $IMAGE: $((bytes / 1024 / 1024)) MB"
