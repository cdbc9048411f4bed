"""Rule perturbation of code plans that names the wrong quantity (C5): a step says one variable
where the reference means another of the same kind, and the twin program reads it.

Sites, edits and the type detector are shared with C4 (`kinds.code.values`).
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Collection
from dataclasses import dataclass

from groupbuild.kinds.code import twins as pt
from groupbuild.kinds.code.harm import twin_kind
from groupbuild.kinds.code.model_twins import twin_offer
from groupbuild.kinds.code.values import Site, choose, finish, on_lines, one_node_change
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Trace
from groupbuild.text.code.static_types import variable_types
from groupbuild.text.plans.from_code import Unsupported, name_phrase
from groupbuild.text.plans.links import plan_links

_SPELLED = {"char": "character", "idx": "index", "num": "number"}
_ARTICLES = frozenset({"a", "i"})
_TOKEN = re.compile(r"[A-Za-z]+")


def plan_word(name: str, function: ast.FunctionDef | None = None) -> str | None:
    """How a plan spells the quantity a variable holds (`char` is "character", `lst` "list" in
    a plan written from code); None for names a plan cannot name by one word (`i`, `a`,
    `next_row`)."""
    if function is not None and name not in _ARTICLES:
        try:
            words = name_phrase(function, name).removeprefix("the ").split()
        except Unsupported:
            return None
        return words[0] if len(words) == 1 and words[0].isalpha() else None
    if "_" in name or name in _ARTICLES or not name.isalpha():
        return None
    return _SPELLED.get(name, name)


@dataclass(frozen=True)
class Mention:
    word: str
    start: int
    end: int
    head: str
    """The noun after the word when the word modifies it ("running" in "running sum"), else ""."""


def mentions(step: str, vocabulary: Collection[str]) -> list[Mention]:
    """Whole-word mentions of variable words in a step, skipping a word that is itself modified
    by another variable word ("price" in "the lowest price" is not the variable `price`)."""
    tokens = list(_TOKEN.finditer(step))
    found: list[Mention] = []
    for k, token in enumerate(tokens):
        word = token.group(0)
        if word not in vocabulary:
            continue
        if k and tokens[k - 1].group(0) in vocabulary and step[tokens[k - 1].end()] == " ":
            continue
        head = ""
        if k + 1 < len(tokens) and step[token.end() : tokens[k + 1].start()] == " ":
            nxt = tokens[k + 1].group(0)
            head = nxt if nxt.isalpha() and nxt not in _LINKS else ""
        found.append(Mention(word, token.start(), token.end(), head))
    return found


_LINKS = frozenset(
    {
        "is",
        "are",
        "to",
        "and",
        "or",
        "of",
        "in",
        "at",
        "on",
        "by",
        "with",
        "from",
        "as",
        "for",
        "minus",
        "plus",
        "alone",
        "just",
        "still",
        "into",
        "up",
        "than",
        "the",
        "a",
        "an",
        "that",
        "when",
        "then",
        "so",
        "if",
        "itself",
        "places",
        "place",
        "after",
        "before",
        "divided",
        "times",
        "rounded",
    }
)


def _names_in_order(tree: ast.AST, lines: Collection[int], name: str) -> list[ast.Name]:
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
    nodes = [n for n in nodes if on_lines(n, lines)]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def _defined_before(function: ast.FunctionDef, name: str, line: int) -> bool:
    if name in {a.arg for a in function.args.args}:
        return True
    stores = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name]
    return any(isinstance(n.ctx, ast.Store) and n.lineno < line for n in stores)


def _degenerate(tree: ast.AST, node: ast.Name) -> bool:
    """`y op y`, `y == y` or `y = y` after the swap: a plan that says nothing, not a misuse."""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.BinOp):
            sides = [parent.left, parent.right]
        elif isinstance(parent, ast.Compare):
            sides = [parent.left, *parent.comparators]
        elif isinstance(parent, ast.Assign | ast.AugAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            sides = [*targets, parent.value]
        else:
            continue
        dumps = [ast.unparse(s) for s in sides]
        if any(s is node for s in sides) and len(set(dumps)) < len(dumps):
            return True
    return False


def _usages(plan: tuple[str, ...], vocabulary: Collection[str]) -> set[tuple[str, str]]:
    """(word, head) pairs the whole plan uses: the quantities a step could plausibly name."""
    return {(m.word, m.head) for step in plan for m in mentions(step, vocabulary)}


def misuse_sites(seed: Seed, reference: Trace) -> list[Site]:
    """Every step mention of a variable that can be renamed to another quantity of the same kind
    (same head noun, or both bare), with the program read changed to that variable."""
    links = plan_links(seed)
    if links is None or not seed.solution:
        return []
    tree = ast.parse(seed.solution)
    function = pt.entry_function(tree, seed.entry_point)
    if function is None:
        return []
    names = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    names |= {a.arg for a in function.args.args}
    types = variable_types(seed, function)
    # Sorted walks keep the choice independent of the process's string hashing.
    written = None if seed.plan else function  # a plan written from code names by name_phrase
    word_to_name = {
        w: n for n in sorted(names) if (w := plan_word(n, written)) is not None and n in types
    }
    usages = _usages(reference.steps, word_to_name)
    sites: list[Site] = []
    for index, step in enumerate(reference.steps):
        found = mentions(step, word_to_name)
        for word in sorted({m.word for m in found}):
            own = [m for m in found if m.word == word]
            nodes = _names_in_order(tree, links[index], word_to_name[word])
            if len(own) != len(nodes):
                continue
            for mention, node in zip(own, nodes, strict=True):
                for other, other_name in sorted(word_to_name.items()):
                    if other == word or (other, mention.head) not in usages:
                        continue
                    if (len(other) == 1) != (len(word) == 1):
                        continue
                    if types[other_name] != types[word_to_name[word]]:
                        continue
                    swap = Swap(node, other_name, other, mention)
                    site = _misuse(seed.solution, links[index], step, swap)
                    if site is not None:
                        sites.append(Site(index, site[0], site[1]))
    return sites


@dataclass(frozen=True)
class Swap:
    """Read variable `other_name` (the plan's `other_word`) where `node` (at `mention`) stood."""

    node: ast.Name
    other_name: str
    other_word: str
    mention: Mention


def _misuse(
    program: str, lines: Collection[int], step: str, swap: Swap
) -> tuple[str, pt.Twin] | None:
    node, other_name, mention = swap.node, swap.other_name, swap.mention
    loaded = isinstance(node.ctx, ast.Load)
    tree = ast.parse(program)
    twin_node = next(
        n
        for n in _names_in_order(tree, lines, node.id)
        if (n.lineno, n.col_offset) == (node.lineno, node.col_offset)
    )
    parent_aug = any(isinstance(p, ast.AugAssign) and p.target is twin_node for p in ast.walk(tree))
    if not (loaded or parent_aug):
        return None
    function = pt.function_at(tree, lines)
    if function is None:
        return None
    if not _defined_before(function, other_name, twin_node.lineno):
        return None
    twin_node.id = other_name
    if _degenerate(tree, twin_node):
        return None
    twin = finish(tree, program, [twin_node.lineno], f"{node.id} -> {other_name}")
    if twin is None:
        return None
    return step[: mention.start] + swap.other_word + step[mention.end :], twin


def variable_misuse(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """A step that names the wrong quantity, e.g. the best sum where the running sum is meant,
    with the program reading the matching wrong variable (C5)."""
    return choose(reference, misuse_sites(seed, reference), rng)


register(
    twin_kind(
        Kind.VARIABLE_MISUSE,
        "C5",
        variable_misuse,
        shape=one_node_change(Kind.VARIABLE_MISUSE),
        llm=twin_offer("perturb/code/variable_misuse.j2"),
    )
)
