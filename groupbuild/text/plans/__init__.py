"""Plans in controlled English written from a reference function's syntax tree.

`vocabulary` holds the phrases, `wording` turns expressions into them, `steps` turns
statements into linked plan steps; `text.plans.from_code` is the entry point.
"""
