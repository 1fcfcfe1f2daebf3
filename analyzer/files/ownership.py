"""Handing the job's output directories to the user the container drops to, without ever acting
through a link: a link planted in an output directory (to /etc/shadow, to a root-only file) must
not hand its target to that user."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from analyzer.common.log_text import printable

log = logging.getLogger("monitor_analyzer.container")


def hand_over(root: Path, uid: int, gid: int) -> None:
    """chown ``root`` and everything below it to uid:gid. Links are changed
    themselves (lchown), never followed nor descended into; directories are walked by descriptor
    (os.fwalk), so a directory swapped for a link mid-walk is not entered either."""
    try:
        mode = os.lstat(root).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        # A link (or file) where an output directory belongs: its own owner only, nothing it leads to.
        os.chown(root, uid, gid, follow_symlinks=False)
        log.warning("Output path %s is not a directory; only it was handed over", printable(str(root)))
        return
    for _, directories, files, directory_fd in os.fwalk(root, follow_symlinks=False):
        os.fchown(directory_fd, uid, gid)
        # fwalk lists links to directories among the directories; chown on a name relative to the
        # directory's descriptor, without following, changes the link itself.
        for name in (*directories, *files):
            os.chown(name, uid, gid, dir_fd=directory_fd, follow_symlinks=False)
