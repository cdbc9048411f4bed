"""An invalid config value is blamed on where it came from: the file, a variable, an override."""

from __future__ import annotations

from pathlib import Path

import pytest

from groupbuild.config import ConfigError, load_config


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text("publish: {dev_ratio: 0.2}\n", encoding="utf-8")
    return path


def test_a_bad_override_is_blamed_on_the_override(config_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(config_file, overrides=["publish.dev_ratio=abc"], env={})
    assert str(info.value).startswith("override 'publish.dev_ratio=abc': publish.dev_ratio: ")
    assert "c.yaml" not in str(info.value)


def test_a_bad_variable_is_blamed_on_the_variable(config_file: Path) -> None:
    env = {"GROUPBUILD_PUBLISH__DEV_RATIO": "2"}
    with pytest.raises(ConfigError) as info:
        load_config(config_file, env=env)
    assert str(info.value).startswith("env GROUPBUILD_PUBLISH__DEV_RATIO: publish.dev_ratio: ")


def test_a_bad_file_value_is_still_blamed_on_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("publish: {dev_ratio: 3}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^.*c\.yaml: publish\.dev_ratio: "):
        load_config(path, overrides=["publish.split_seed=3"], env={"GROUPBUILD_NAME": "x"})


def test_an_override_replacing_a_section_is_blamed_for_errors_inside_it(
    config_file: Path,
) -> None:
    override = "seeds.sources=[{format: gsm8k, path: a.jsonl, limit: -1}]"
    with pytest.raises(ConfigError) as info:
        load_config(config_file, overrides=[override], env={})
    assert str(info.value).startswith(f"override {override!r}: seeds.sources[0].limit: ")


def test_an_override_that_is_not_yaml_is_one_error(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"^override 'publish\.out_dir=\[': .*not valid YAML"):
        load_config(config_file, overrides=["publish.out_dir=["], env={})
