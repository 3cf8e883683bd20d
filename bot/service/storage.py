"""What works when the directories Sanad writes to cannot be written: one line for the operator.

Sanad writes two things: uploaded articles (into ``sources_dir``) and the index snapshot (into
its directory, by default the same one). Neither is needed to answer: without the snapshot the
index is built in memory, and an upload is refused with a sentence the admin can act on. The
usual cause is the Docker image's uid 10001 meeting a bind mount owned by the host's user.
"""

from __future__ import annotations

import os

from bot.service.settings import Settings
from retrieval.writable import why_unwritable


def storage_warning(settings: Settings) -> str | None:
    """One line saying which directory cannot be written, why, and what still works; None
    when both can be written."""
    sources = settings.sources_dir
    snapshot_dir = settings.snapshot_path.parent
    sources_reason = why_unwritable(sources)
    snapshot_reason = why_unwritable(snapshot_dir)
    fix = f"make it writable by uid {os.geteuid()} (chown, or docker run --user)"
    snapshot_effect = (
        "new index snapshots cannot be saved, so an index built at start or reload lives in "
        "memory only"
    )
    upload_effect = "articles uploaded by admins are refused with a reply saying why"
    if sources_reason is not None and snapshot_dir.resolve() == sources.resolve():
        return (
            f"sources directory {sources} cannot be written ({sources_reason}): "
            f"{snapshot_effect}, and {upload_effect}; {fix}"
        )
    parts = []
    if sources_reason is not None:
        parts.append(
            f"sources directory {sources} cannot be written ({sources_reason}): answers and "
            f"/reload work, {upload_effect}; {fix}"
        )
    if snapshot_reason is not None:
        parts.append(
            f"index snapshot directory {snapshot_dir} cannot be written ({snapshot_reason}): "
            f"{snapshot_effect}; {fix}, or set index_file elsewhere"
        )
    return "; ".join(parts) or None
