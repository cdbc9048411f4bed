"""The HTML report: self-contained, escaped, plots on disk, and it renders in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_audit import group, negative, write_dataset

from groupbuild.report import build_report
from groupbuild.report.diffview import CHANGED_COLOR
from groupbuild.report.plots import NEGATIVE_COLOR, REFERENCE_COLOR

CHROMIUM = Path("/usr/bin/chromium")
SUMMARY = {
    "seeds_in": 31,
    "groups_published": 24,
    "seeds_rejected": 7,
    "seeds_pending": 0,
    "accounted": True,
    "groups": {"math": {"total": 24, "train": 18, "dev": 6}},
    "drop_reasons": {"too_few_negatives": 7},
    "negative_kind_counts": {"math": {"arithmetic_slip": 24, "dropped_step": 24}},
    "kind_outcomes": {"math/arithmetic_slip": {"published": 24, "not_applicable": 3}},
}


def _dataset(root: Path) -> Path:
    groups = []
    for i in range(24):
        ref = [
            f"Ann has {i + 2} apples.",
            f"She buys {i + 3} more.",
            "She eats one.",
            f"{i + 2} + {i + 3} - 1 = {2 * i + 4}.",
        ]
        slip = [*ref[:3], f"{i + 2} + {i + 3} - 1 = {2 * i + 5}."]
        detour = [*ref[:2], "She still has them all.", *ref[2:]]
        negatives = [
            negative(ref, slip, "arithmetic_slip", answer=str(2 * i + 5), total=0.3),
            negative(ref, [ref[0], *ref[2:]], "dropped_step", signature="S", total=0.8),
            negative(ref, detour, "redundant_detour", signature="Q", total=0.85),
        ]
        problem = f"Ann has {i + 2} <b>apples</b> & buys {i + 3}. <script>alert(1)</script>"
        split = "dev" if i % 4 == 0 else "train"
        groups.append(group(f"s:{i}", ref, negatives, split=split, problem=problem))
    return write_dataset(root, groups, SUMMARY)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return build_report(_dataset(tmp_path / "dist"), tmp_path / "report")


def test_report_references_plots_that_exist(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    sources = re.findall(r'<img class="plot" src="([^"]+)"', html)
    assert len(sources) == 4
    for src in sources:
        png = report.parent / src
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5000
    assert (report.parent / "audit.json").is_file()


def test_report_highlights_changed_deleted_and_inserted_steps(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    changed = re.findall(r'<td class="changed">(.*?)</td>', html)
    assert changed and all(re.search(r"= \d+\.$", cell) for cell in changed)
    assert re.search(r'<td class="deleted"><span class="n">1</span><del>She buys', html)
    assert '<td class="inserted"><span class="n">2</span><ins>+ She still has them all.' in html
    assert CHANGED_COLOR in html


def test_report_shows_headline_counts_and_escapes_text(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<b>31</b>seeds in" in html
    assert "too_few_negatives" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;apples&lt;/b&gt; &amp; buys" in html


def test_report_rebuild_replaces_old_plots(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path / "dist")
    stale = tmp_path / "report" / "plots" / "old.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    build_report(dataset, tmp_path / "report")
    assert not stale.exists()


def _colored_pixels(png: Path, hex_color: str, tolerance: int = 6) -> int:
    from PIL import Image

    target = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(png).convert("RGB")
    return sum(
        count
        for count, rgb in image.getcolors(maxcolors=1 << 24) or []
        if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    )


def test_report_renders_plots_and_highlights_in_chromium(report: Path, tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        pytest.skip("optional resource missing: /usr/bin/chromium (apt-get install chromium)")
    shot = tmp_path / "shot.png"
    profile = tmp_path / "chromium-profile"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={shot}",
        "--window-size=1280,2400", report.resolve().as_uri(),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=tmp_path)
    shutil.rmtree(profile, ignore_errors=True)
    from PIL import Image

    assert Image.open(shot).size == (1280, 2400)
    # Opaque bars of both plot colors: the PNGs loaded and were drawn, not broken-image icons.
    assert _colored_pixels(shot, REFERENCE_COLOR) > 2000
    assert _colored_pixels(shot, NEGATIVE_COLOR) > 2000
    # The changed-step highlight of the sample diffs (and of the legend) is on screen.
    assert _colored_pixels(shot, CHANGED_COLOR) > 5000
