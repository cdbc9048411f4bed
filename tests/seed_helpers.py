"""Seeds as several test modules read them."""

from __future__ import annotations

from paths import REPO

from groupbuild.config import SeedSource
from groupbuild.schema import Domain, Seed
from groupbuild.seeds.loader import iter_source


def bundled_code_seeds() -> list[Seed]:
    """The bundled code seeds, read by the project's own bundled loader."""
    found = iter_source(SeedSource(format="bundled", path="seeds"), base_dir=REPO)
    return [s for s in found if isinstance(s, Seed) and s.domain is Domain.CODE]


def code_seed(name: str, program: str, tests: list[str]) -> Seed:
    """A small function-style code seed named `name`, for tests that write their own program."""
    return Seed(
        problem_id=f"demo:{name}",
        source="demo",
        source_id=name,
        domain=Domain.CODE,
        task_type="python_function",
        problem=f"Write {name}.",
        solution=program,
        tests=tuple(tests),
        entry_point=name,
    )
