"""Source text that oracles generate: the canonical JSON conversion, the driver and the probe.

The same `CANON` source runs in the probe (which computes expected outputs) and in the driver
(which prints the reference's result), so both sides format values identically.
"""

from __future__ import annotations

import json
from typing import Any

CANON = '''
import json as _json
import sys as _sys


def _canon(value):
    """Tuples -> lists, sets -> sorted lists, floats -> 10 significant digits, 4.0 -> 4."""
    if isinstance(value, float):
        value = float(f"{value:.10g}")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, (list, tuple)):
        return [_canon(item) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [_canon(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=_json.dumps)
    if isinstance(value, dict):
        for key in value:
            if not (key is None or isinstance(key, (str, int, float, bool))):
                raise TypeError(f"dict key of type {type(key).__name__} is not JSON data")
        return {key: _canon(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _dump(value):
    return _json.dumps(_canon(value), sort_keys=True)


def _restore(value, kinds, depth=0):
    """Turn JSON arrays back into the container types the reference was tested with."""
    if not isinstance(value, list):
        return value
    kind = kinds[depth] if depth < len(kinds) else "list"
    items = [_restore(item, kinds, depth + 1) for item in value]
    if kind == "tuple":
        return tuple(items)
    if kind in ("set", "frozenset"):
        return set(items) if kind == "set" else frozenset(items)
    return items
'''

KINDS = """

def _kinds(value, out, depth=0):
    if isinstance(value, (list, tuple, set, frozenset)):
        name = type(value).__name__
        if len(out) <= depth:
            out.append(name)
        elif out[depth] != name:
            out[depth] = "mixed"
        for item in value:
            _kinds(item, out, depth + 1)
    return out
"""

_PROBE_BODY = """

def _probe(case):
    exec(case["test"], dict(globals()))
    args = eval(case["args"])
    found = {"input": _json.dumps(_canon(list(args))), "kinds": [_kinds(a, []) for a in args]}
    if case["form"] == "truth":
        found["output"] = _json.dumps(case["expect"])
    elif case["form"] == "isclose":
        found["output"] = _dump(eval(case["call"]))
    else:
        found["output"] = _dump(eval(case["expected"]))
    return found


_found = []
for _case in _json.loads(_CASES):
    try:
        _found.append(_probe(_case))
    except AssertionError:
        _found.append({"error": "reference_fails_assert", "detail": _case["test"][:200]})
    except Exception as _exc:
        _found.append({"error": "probe_error", "detail": f"{type(_exc).__name__}: {_exc}"[:200]})
print(_json.dumps(_found))
"""


def probe_source(setup: str, solution: str, cases: list[dict[str, object]]) -> str:
    """A program that runs each original assert and prints each test's JSON input and output."""
    cases_literal = f"\n_CASES = {json.dumps(json.dumps(cases))}\n"
    return "\n".join([solution, setup, CANON, KINDS, cases_literal, _PROBE_BODY])


def literal_inputs(cases: list[dict[str, object]]) -> list[dict[str, object]] | None:
    """Each test's JSON input and argument kinds as the probe will find them, computed here
    when every test's arguments are Python literals (None otherwise): the driver can then be
    written, and run, beside the probe in one sandbox start.

    The conversion is this module's own `CANON` and `KINDS` source, run in a namespace of its
    own; no seed code runs here.
    """
    import ast

    namespace: dict[str, Any] = {}
    exec(CANON + KINDS, namespace)  # trusted: the module's own source text
    found: list[dict[str, object]] = []
    for case in cases:
        try:
            args = ast.literal_eval(str(case["args"]))
            text = json.dumps(namespace["_canon"](list(args)))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        found.append({"input": text, "kinds": [namespace["_kinds"](a, []) for a in args]})
    return found


def driver_source(solution: str, entry: str, arg_kinds: list[list[str]], wrapper: str) -> str:
    """The reference function plus a driver: one JSON line of arguments in, one JSON line out."""
    wrapped = f"{wrapper}(_result)" if wrapper else "_result"
    return (
        f"{solution.rstrip()}\n\n{CANON}\n"
        f"_ARG_KINDS = {json.dumps(arg_kinds)}\n\n"
        'if __name__ == "__main__":\n'
        "    _args = _json.loads(_sys.stdin.readline())\n"
        "    _args = [_restore(a, k) for a, k in zip(_args, _ARG_KINDS)]"
        " + _args[len(_ARG_KINDS):]\n"
        f"    _result = {entry}(*_args)\n"
        f"    print(_dump({wrapped}))\n"
    )
