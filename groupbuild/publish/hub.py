"""Push a Hub-ready dataset folder to the Hugging Face Hub in one commit.

The folder (dataset card, `data/<config>/<split>-*.parquet`, `tracelift/`, `summary.json`) is
uploaded as a whole and every remote file under the published paths that the folder no longer
holds is deleted in the same commit, so a re-publish with fewer shards leaves no stale shard that
`load_dataset` would silently pick up. (With `hf_xet`, `upload_folder` splits only folders of
more than ~250 files or 100 MB of non-LFS text into several commits; a publish is far below.)
`huggingface_hub` is imported only here, inside the call:
it reads `HF_ENDPOINT`, `HF_HUB_DISABLE_XET` and `HF_HUB_OFFLINE` when first imported, and
importing groupbuild must stay fast and offline.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from groupbuild.errors import GroupbuildError

if TYPE_CHECKING:
    from huggingface_hub.errors import HfHubHTTPError

log = logging.getLogger(__name__)

PUBLISHED_PATTERNS: tuple[str, ...] = (
    "data/**",
    "tracelift/**",
    "summary.json",
    "rejects.jsonl",
    "manifest.json",
)
"""Remote paths the publish stage owns: whatever matches and is not in the folder is deleted."""

DEFAULT_MESSAGE = "Publish TRACELIFT-GROUPS with groupbuild"


def push_folder(
    folder: Path,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    commit_message: str = DEFAULT_MESSAGE,
    delete_patterns: Sequence[str] = PUBLISHED_PATTERNS,
) -> str:
    """Create the repo (and branch) if missing, upload `folder` in one commit; return its URL.

    The token comes from `token`, else `HF_TOKEN`, else a saved `hf auth login`; it is handed to
    the client in memory only. Every failure is raised as a `GroupbuildError` that says what to
    fix (token, endpoint, card), never with the token in it.
    """
    folder = Path(folder)
    if not (folder / "README.md").is_file():
        raise GroupbuildError(f"{folder}: not a Hub-ready folder (no README.md dataset card)")
    secret = _resolve_token(token)
    from huggingface_hub import HfApi

    api = HfApi(token=secret)
    target = f"{repo_id}@{revision}" if revision else repo_id
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if private and not api.dataset_info(repo_id).private:
            raise GroupbuildError(
                f"{repo_id} already exists and is public: refusing a --private push; "
                "make it private on the Hub first, or push without --private"
            )
        if revision and revision != "main":
            api.create_branch(repo_id, branch=revision, repo_type="dataset", exist_ok=True)
        log.info("pushing %s to %s at %s", folder, target, api.endpoint)
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            repo_type="dataset",
            revision=revision,
            commit_message=commit_message,
            delete_patterns=list(delete_patterns),
        )
    except GroupbuildError:
        raise
    except Exception as exc:
        log.debug("push to %s failed", target, exc_info=True)
        raise _explain(exc, target, api.endpoint, secret) from None
    log.info("pushed %s: %s", target, info.commit_url)
    return str(info.commit_url)


def _resolve_token(token: str | None) -> str:
    found = token or os.environ.get("HF_TOKEN")
    if not found:
        from huggingface_hub import get_token

        found = get_token()
    if not found:
        raise GroupbuildError(
            "no Hugging Face token: set HF_TOKEN (a token with write access) or run `hf auth login`"
        )
    return found


def _explain(exc: BaseException, target: str, endpoint: str, secret: str) -> GroupbuildError:
    """Turn a client error (possibly wrapped) into one line that says what to fix."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled, RevisionNotFoundError

    if isinstance(exc, ValueError) and "README.md" in str(exc):
        card = " ".join(str(exc).split())
        return GroupbuildError(f"the Hub rejected the dataset card of {target}: {card}")
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OfflineModeIsEnabled):
            message = "HF_HUB_OFFLINE is set: unset it to push to the Hub"
            break
        if isinstance(cause, HfHubHTTPError) and cause.response is not None:
            if isinstance(cause, RevisionNotFoundError):
                message = f"branch not found for {target}: {_first_line(cause)}"
            else:
                message = _http_message(cause, target, endpoint)
            break
        if isinstance(cause, httpx2.TransportError | ConnectionError | TimeoutError):
            message = f"cannot reach the Hub at {endpoint} ({type(cause).__name__}: {cause})"
            break
        cause = cause.__cause__
    else:
        message = f"push to {target} failed: {type(exc).__name__}: {_first_line(exc)}"
    return GroupbuildError(message.replace(secret, "***"))


def _http_message(exc: HfHubHTTPError, target: str, endpoint: str) -> str:
    status = exc.response.status_code
    if status == 401:
        return (
            f"the Hub at {endpoint} rejected the token (401 Unauthorized) for {target}: "
            "check HF_TOKEN is a valid token with write access"
        )
    if status == 403:
        return f"the token may not write to {target} (403 Forbidden): use a token with write access"
    return f"push to {target} failed with HTTP {status}: {_first_line(exc)}"


def _first_line(exc: object) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
