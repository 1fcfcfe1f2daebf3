"""A real HTTP emulator of AWS for tests: moto in server mode on loopback."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def moto_server(log_dir: Path, **extra_env: str) -> Iterator[str]:
    """Start moto_server; while it runs, every AWS client of this process (and of the processes it
    starts) talks to it and only to it: no profile, no real credentials. Yields its URL."""
    port = free_port()
    log = (log_dir / "moto.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = dict(os.environ)
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, f"moto_server exited; see {log_dir / 'moto.log'}"
            assert time.monotonic() < deadline, "moto_server did not start in 30 s"
            time.sleep(0.1)
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[key]
        url = f"http://127.0.0.1:{port}"
        os.environ.update(
            AWS_ENDPOINT_URL=url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            **extra_env,
        )
        yield url
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.terminate()
        server.wait(timeout=10)
        log.close()
