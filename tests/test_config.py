"""One loader, one merge order: defaults < YAML < GROUPBUILD_* env < --set overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from groupbuild.config import ConfigError, load_config


def test_merge_order_is_defaults_then_yaml_then_env_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("publish: {dev_ratio: 0.2, split_seed: 7}\nname: fromyaml\n")
    env = {"GROUPBUILD_PUBLISH__DEV_RATIO": "0.3", "GROUPBUILD_NAME": "fromenv"}
    config = load_config(path, overrides=["name=fromcli"], env=env)
    assert config.publish.split_seed == 7
    assert config.publish.dev_ratio == 0.3
    assert config.name == "fromcli"
    assert config.perturb.seed == 18


def test_unknown_key_is_an_error_naming_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("publish: {dev_ratoi: 0.2}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml.*publish\.dev_ratoi"):
        load_config(path, env={})


def test_bad_override_syntax_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"section\.key=value"):
        load_config(None, overrides=["publish.dev_ratio"], env={})


def test_resolved_config_holds_the_key_variable_name_not_a_key() -> None:
    config = load_config(None, overrides=["roles.judge.backend=llm"], env={})
    resolved = config.resolved()
    assert resolved["roles"]["judge"]["api_key_env"] == "OPENAI_API_KEY"
    assert resolved["validate"]["min_negatives"] == 4


def test_a_kind_the_backend_lacks_stops_the_run_with_the_valid_names(tmp_path: Path) -> None:
    from pipeline_helpers import REPO, config_for

    from groupbuild.errors import GroupbuildError
    from groupbuild.runner import run

    config = config_for(tmp_path, "perturb.kinds={math: [no_such_kind]}")
    with pytest.raises(GroupbuildError, match=r"perturb\.kinds\.math.*arithmetic_slip"):
        run(config, base_dir=REPO)
