"""Ids of seed-stage rejects, in a namespace of their own.

A seed's id is `source:source_id`; a seed-stage reject's id names the record instead
(`source:file:line#reject`), so a dropped record can never take the id of a kept seed, which
would hide that seed from every later stage. The id the record would have had is kept in
`Reject.problem_id`.
"""

from __future__ import annotations


def record_reject_id(source: str, origin: str) -> str:
    """`source:file:line#reject` for the record read at `origin` (`file:line`)."""
    return f"{source}:{origin}#reject"
