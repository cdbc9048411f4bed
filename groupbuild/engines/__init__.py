"""Engines other than the runner's own in-process one, each behind `runner.engine`.

An engine runs the pipeline stages; the runner keeps seeds, resume, journals and publish, and
hands an engine its per-problem step and its journaling, so both engines write the same store.
"""
