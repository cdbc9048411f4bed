"""Command line: a thin layer over `groupbuild.run`, one subcommand per stage."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from groupbuild.config import ConfigError, load_config
from groupbuild.errors import DiskFullError, GroupbuildError, disk_full
from groupbuild.stages import CATALOG

EPILOG = """\
examples:
  groupbuild run                                  # offline, on the bundled seeds
  groupbuild run --config configs/openai.yaml     # every role on an OpenAI-compatible model
  groupbuild run --set seeds.skip_invalid=true --set publish.dev_ratio=0.2
  groupbuild perturb                              # one stage alone, on what the store holds
  groupbuild publish --push-to-hub my-org/tracelift-groups
  groupbuild kinds                                # which kinds each backend offers
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default=None, help="run config YAML (default: the offline bundled build)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. publish.out_dir=out (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--engine",
        choices=("local", "ray"),
        default=None,
        help="run the stages here or on Ray (local Ray, or the cluster in RAY_ADDRESS); "
        "sets runner.engine",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groupbuild",
        description="Build TRACELIFT-GROUPS: verified reasoning traces and localized flawed "
        "variants, rubric-scored, published as a Hub-ready dataset.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run every stage, resuming where an earlier run stopped")
    _common(run)
    for info in CATALOG:
        stage = sub.add_parser(info.name, help=info.help, description=info.help)
        _common(stage)
        if info.name == "publish":
            stage.add_argument("--push-to-hub", metavar="ORG/NAME", help="also push to the Hub")
            stage.add_argument("--private", action="store_true", help="create the repo private")
            stage.add_argument("--revision", metavar="BRANCH", help="push to this branch")
    report = sub.add_parser("report", help="build the HTML report of a published dataset")
    _common(report)
    report.add_argument(
        "--out", default="dist/report", help="report directory (default: %(default)s)"
    )
    sub.add_parser("kinds", help="list every perturbation kind and the backends that offer it")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "kinds":
        print(kinds_table())
        return 0
    try:
        engine = [f"runner.engine={args.engine}"] if getattr(args, "engine", None) else []
        config = load_config(args.config, overrides=[*args.overrides, *engine])
        if args.quiet:
            config = config.model_copy(
                update={"runner": config.runner.model_copy(update={"progress": False})}
            )
        if args.command == "report":
            from groupbuild.report import build_report

            path = build_report(Path(config.publish.out_dir), Path(args.out))
            print(f"report written to {path}")
            return 0
        from groupbuild.runner import run

        stages = None if args.command == "run" else [args.command]
        summary = run(config, stages=stages)
        if summary:
            _print_summary(summary, config.publish.out_dir)
            if not summary["groups_published"]:
                print(f"groupbuild: error: {nothing_published(summary)}", file=sys.stderr)
                return 1
        if args.command == "publish" and args.push_to_hub:
            from groupbuild.publish.hub import push_folder

            url = push_folder(
                Path(config.publish.out_dir),
                args.push_to_hub,
                private=args.private,
                revision=args.revision,
                token=os.environ.get("HF_TOKEN"),
            )
            print(f"pushed to {url}")
    except DiskFullError as exc:
        return _disk_full(exc)
    except (ConfigError, GroupbuildError, ValueError) as exc:
        print(f"groupbuild: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        full = disk_full(exc, exc.filename or "?")
        if full is None:
            raise
        return _disk_full(full)
    except KeyboardInterrupt:
        print("groupbuild: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    return 0


def kinds_table() -> str:
    """One line per kind: domain, taxonomy id, signature, and the backends that offer it."""
    from groupbuild.kinds import BACKENDS, definitions

    lines = [f"{'domain':<7}{'id':<6}{'kind':<24}{'sig':<5}offered by"]
    for d in definitions():
        backends = [b for b in BACKENDS if d.offered_by(b)]
        offered = ", ".join(backends) if backends else "none (not implemented)"
        spec = d.spec
        lines.append(
            f"{d.domain.value:<7}{spec.taxonomy_id:<6}{d.kind.value:<24}"
            f"{spec.signature.value:<5}{offered}"
        )
    return "\n".join(lines)


def nothing_published(summary: dict[str, Any]) -> str:
    """One line on why a run published no group: what held its seeds back, most first."""
    held = [
        *(f"{n} pending ({reason})" for reason, n in summary.get("pending_reasons", {}).items()),
        *(f"{n} rejected ({reason})" for reason, n in summary.get("drop_reasons", {}).items()),
    ]
    why = "; ".join(held[:3]) + ("; ..." if len(held) > 3 else "")
    detail = next(iter(summary.get("pending_errors", {}).values()), "")
    tail = f" (first error: {detail})" if detail else ""
    return f"0 groups published from {summary['seeds_in']} seeds: {why or 'no seeds'}{tail}"


def _disk_full(exc: DiskFullError) -> int:
    print(f"groupbuild: {exc}; make room and rerun to resume", file=sys.stderr)
    return 2


def _print_summary(summary: dict[str, Any], out_dir: str) -> None:
    keys = ("seeds_in", "groups_published", "seeds_rejected", "seeds_pending", "accounted")
    print(json.dumps({k: summary[k] for k in keys}, indent=None))
    if summary["drop_reasons"]:
        print("drop reasons:", json.dumps(summary["drop_reasons"]))
    print(f"dataset written to {out_dir}/")


if __name__ == "__main__":
    sys.exit(main())
