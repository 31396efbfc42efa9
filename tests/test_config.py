"""Configuration: files found upward from each Dockerfile, hadolint's file, layering, per-file ignores,
and the command line on top (``dockls --check`` and ``--show-config``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dockls.cli import main
from dockls.config import ConfigError, Configuration, Layer, hadolint_layer, kebab, layer_from_mapping, resolve
from dockls.engine import all_rules, analyze, rule_by_key
from dockls.rule import Rule, Severity

# python:3.12 is a full image (heavy-base-image), runs as root (final-user-root), keeps pip's cache
# (pip-cache-kept) and has two RUNs in a row (consecutive-run).
DOCKERFILE = "FROM python:3.12\nRUN pip install flask\nRUN echo done\n"


def rule(key: str) -> Rule:
    found = rule_by_key(key)
    assert found is not None
    return found


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(config_path: Path, configuration: Configuration | None = None) -> set[str]:
    """The rules that report on the Dockerfile at ``config_path`` under its configuration."""
    config = (configuration or Configuration()).for_path(config_path).config
    return {f.rule.name for f in analyze(config_path.read_text(), config).findings}


def test_defaults_without_any_file(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    resolved = Configuration(roots=[tmp_path]).for_path(dockerfile)
    assert resolved.files == () and resolved.errors == ()
    assert all(s.enabled and s.severity is s.rule.severity and s.decided_by == "default" for s in resolved.rules)
    assert {"heavy-base-image", "final-user-root", "pip-cache-kept", "consecutive-run"} <= names(dockerfile)


def test_dockls_toml_select_ignore_and_severity(tmp_path: Path) -> None:
    write(tmp_path / ".dockls.toml",
          'select = ["size", "final-user-root"]\nignore = ["DKL022"]\n[rules]\nfinal-user-root = "error"\n')
    dockerfile = write(tmp_path / "app" / "Dockerfile", DOCKERFILE)
    resolved = Configuration().for_path(dockerfile)
    assert resolved.files == (tmp_path / ".dockls.toml",)
    settings = {s.rule.name: s for s in resolved.rules}
    assert not settings["heavy-base-image"].enabled
    assert settings["heavy-base-image"].decided_by == f"ignore in {tmp_path / '.dockls.toml'}"
    assert not settings["syntax-error"].enabled  # not selected
    assert settings["final-user-root"].severity is Severity.ERROR
    assert all(settings[r.name].enabled for r in all_rules() if r.category == "size" and r.id != "DKL022")
    (root,) = [f for f in analyze(DOCKERFILE, resolved.config).findings if f.rule.name == "final-user-root"]
    assert root.effective_severity is Severity.ERROR
    assert "heavy-base-image" not in names(dockerfile)


def test_pyproject_tool_table_and_the_nearest_file_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dockls]\nignore = ["consecutive-run"]\n')
    write(tmp_path / "svc" / "pyproject.toml", '[project]\nname = "x"\n')  # no [tool.dockls]: skipped
    top = write(tmp_path / "svc" / "Dockerfile", DOCKERFILE)
    assert "consecutive-run" not in names(top)
    # A nearer file replaces the farther one completely: the farther ignore no longer applies.
    write(tmp_path / "svc" / "deep" / ".dockls.toml", 'ignore = ["final-user-root"]\n')
    deep = write(tmp_path / "svc" / "deep" / "Dockerfile", DOCKERFILE)
    found = names(deep)
    assert "consecutive-run" in found and "final-user-root" not in found
    # .dockls.toml wins over a pyproject.toml in the same directory.
    write(tmp_path / "svc" / "deep" / "pyproject.toml", '[tool.dockls]\nignore = ["pip-cache-kept"]\n')
    assert Configuration().for_path(deep).files == (tmp_path / "svc" / "deep" / ".dockls.toml",)


def test_per_file_ignores_are_gitignore_patterns_relative_to_the_file(tmp_path: Path) -> None:
    write(tmp_path / ".dockls.toml",
          '[per-file-ignores]\n"ci/**" = ["final-user-root"]\n"*.dev" = ["size"]\n"/Dockerfile" = ["DKL001"]\n')
    ci = write(tmp_path / "ci" / "Dockerfile", DOCKERFILE)
    dev = write(tmp_path / "a" / "b" / "Dockerfile.dev", DOCKERFILE)
    top = write(tmp_path / "Dockerfile", DOCKERFILE)
    nested = write(tmp_path / "sub" / "Dockerfile", DOCKERFILE)
    assert "final-user-root" not in names(ci) and "heavy-base-image" in names(ci)
    assert "heavy-base-image" not in names(dev) and "final-user-root" in names(dev)
    assert "consecutive-run" not in names(top)
    assert {"consecutive-run", "final-user-root", "heavy-base-image"} <= names(nested)
    decided = {s.rule.name: s.decided_by for s in Configuration().for_path(ci).rules}
    assert decided["final-user-root"].startswith("per-file-ignores 'ci/**' in ")


def test_hadolint_yaml_ignored_and_override_act_on_equivalents(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml",
          "ignored:\n  - DL3042\n  - DL9999\noverride:\n  error: [DL3059]\n  style: [DL3006]\n"
          "trustedRegistries: [docker.io]\n")
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    resolved = Configuration().for_path(dockerfile)
    settings = {s.rule.name: s for s in resolved.rules}
    assert resolved.files == (tmp_path / ".hadolint.yaml",)
    assert "DL3042" in rule("pip-cache-kept").hadolint
    assert not settings["pip-cache-kept"].enabled
    assert "DL3059" in rule("consecutive-run").hadolint
    assert settings["consecutive-run"].severity is Severity.ERROR
    assert settings["image-untagged"].severity is Severity.HINT
    # The dockls file is applied after hadolint's and wins where both speak about a rule.
    write(tmp_path / ".dockls.toml", '[rules]\nconsecutive-run = "info"\n')
    settings = {s.rule.name: s for s in Configuration().for_path(dockerfile).rules}
    assert settings["consecutive-run"].severity is Severity.INFO
    assert not settings["pip-cache-kept"].enabled
    # ... and can turn hadolint's file off.
    write(tmp_path / ".dockls.toml", "hadolint-config = false\n")
    assert Configuration().for_path(dockerfile).files == (tmp_path / ".dockls.toml",)


def test_hadolint_yml_spelling_and_empty_file(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yml", "")
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    resolved = Configuration().for_path(dockerfile)
    assert resolved.files == (tmp_path / ".hadolint.yml",) and resolved.errors == ()


@pytest.mark.parametrize(("name", "content", "message"), [
    (".dockls.toml", "select = [", "(at "),
    (".dockls.toml", "select = 3\n", "'select' must be a list"),
    (".dockls.toml", "rules = [1]\n", "'rules' must be a table"),
    ("pyproject.toml", "[tool]\ndockls = 1\n", "[tool.dockls] must be a table"),
    (".hadolint.yaml", "ignored: [DL3000\n", "expected"),
    (".hadolint.yaml", "- a\n", "must be a mapping"),
    (".hadolint.yaml", "ignored: DL3000\n", "'ignored' must be a list"),
    (".dockls.toml", b"\xff\xfe", "codec"),
])
def test_broken_files_are_errors_and_the_rest_still_applies(tmp_path: Path, name: str, content: str | bytes,
                                                            message: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(path, content)
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    resolved = Configuration().for_path(dockerfile)
    (error,) = resolved.errors
    assert error.startswith(f"{path}: ") and message in error
    assert resolved.config.ignore == frozenset()  # the defaults


def test_unknown_rules_and_keys_are_warnings(tmp_path: Path) -> None:
    write(tmp_path / ".dockls.toml",
          'select = ["ALL"]\nignore = ["no-such-rule"]\ncolour = "blue"\n[rules]\nDKL001 = "loud"\n')
    resolved = Configuration().for_path(write(tmp_path / "Dockerfile", DOCKERFILE))
    source = tmp_path / ".dockls.toml"
    assert set(resolved.warnings) == {
        f"{source}: unknown setting 'colour'",
        f"{source}: ignore: unknown rule or category 'no-such-rule'",
        f"{source}: rules: 'loud' for DKL001 is not one of error, warning, info, hint, off",
    }
    assert resolved.errors == () and resolved.config.ignore == frozenset()


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    config_file = write(tmp_path / ".dockls.toml", 'ignore = ["consecutive-run"]\n')
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    configuration = Configuration()
    assert "consecutive-run" not in names(dockerfile, configuration)
    write(config_file, 'ignore = ["final-user-root", "pip-cache-kept"]\n')
    os.utime(config_file, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    found = names(dockerfile, configuration)
    assert "consecutive-run" in found and "final-user-root" not in found
    config_file.unlink()
    assert "final-user-root" in names(dockerfile, configuration)


def test_search_stops_at_the_workspace_root(tmp_path: Path) -> None:
    write(tmp_path / ".dockls.toml", 'ignore = ["consecutive-run"]\n')
    dockerfile = write(tmp_path / "project" / "Dockerfile", DOCKERFILE)
    assert Configuration().for_path(dockerfile).files == (tmp_path / ".dockls.toml",)
    assert Configuration(roots=[tmp_path / "project"]).for_path(dockerfile).files == ()


def test_layers_after_the_files_win_and_isolated_reads_none(tmp_path: Path) -> None:
    write(tmp_path / ".dockls.toml", 'ignore = ["consecutive-run"]\n[rules]\nfinal-user-root = "hint"\n')
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    editor = layer_from_mapping({"extendSelect": ["consecutive-run"], "rules": {"final-user-root": "error"}},
                                "editor settings", None)
    settings = {s.rule.name: s for s in Configuration(after=[editor]).for_path(dockerfile).rules}
    assert settings["consecutive-run"].enabled and settings["final-user-root"].severity is Severity.ERROR
    settings = {s.rule.name: s for s in Configuration(before=[editor]).for_path(dockerfile).rules}
    assert not settings["consecutive-run"].enabled and settings["final-user-root"].severity is Severity.HINT
    assert Configuration(isolated=True).for_path(dockerfile).files == ()
    assert Configuration(isolated=True).for_path(dockerfile).config.ignore == frozenset()


def test_editor_per_file_ignores_are_relative_to_the_workspace_folder(tmp_path: Path) -> None:
    editor = layer_from_mapping({"perFileIgnores": {"legacy/**": ["final-user-root"]}}, "editor settings", None)
    legacy = write(tmp_path / "legacy" / "Dockerfile", DOCKERFILE)
    configuration = Configuration(after=[editor], roots=[tmp_path])
    assert "final-user-root" not in names(legacy, configuration)
    assert "final-user-root" in names(legacy, Configuration(after=[editor]))  # no workspace folder


def test_resolve_applies_select_then_extend_then_ignore_within_a_layer() -> None:
    layer = Layer("test", select=(rule("DKL001").id,), extend_select=(rule("DKL022").id,),
                  ignore=(rule("DKL001").id,), severities={rule("DKL022").id: None})
    config, _ = resolve([layer], None)
    assert {r.id for r in all_rules() if config.enabled(r)} == set()
    later = Layer("later", extend_select=(rule("DKL022").id,))
    config, _ = resolve([layer, later], None)
    assert {r.name for r in all_rules() if config.enabled(r)} == {"heavy-base-image"}


def test_hadolint_layer_shapes() -> None:
    assert hadolint_layer(None, "x") == Layer("x")
    layer = hadolint_layer({"override": {"loud": ["DL3059"], "info": "DL3059"}}, "x")
    assert len(layer.warnings) == 2 and not layer.severities
    with pytest.raises(ConfigError):
        hadolint_layer({"override": ["DL3059"]}, "x")


@pytest.mark.parametrize(("key", "expected"), [
    ("extendSelect", "extend-select"), ("perFileIgnores", "per-file-ignores"), ("extend_select", "extend-select"),
    ("select", "select"), ("hadolintConfig", "hadolint-config"),
])
def test_kebab(key: str, expected: str) -> None:
    assert kebab(key) == expected


# --------------------------------------------------------------------------- the command line


def test_check_uses_each_files_nearest_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a" / ".dockls.toml", 'select = ["consecutive-run"]\n')
    write(tmp_path / "b" / "pyproject.toml", '[tool.dockls]\nselect = ["final-user-root"]\n')
    write(tmp_path / "a" / "Dockerfile", DOCKERFILE)
    write(tmp_path / "b" / "Dockerfile", DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    assert main(["--check", "--format", "json", "--severity-threshold", "info", "."]) == 1
    found = {(f["path"], f["name"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found == {(os.path.join("a", "Dockerfile"), "consecutive-run"),
                     (os.path.join("b", "Dockerfile"), "final-user-root")}
    # Command-line options apply over each file's configuration.
    assert main(["--check", "--format", "json", "--extend-select", "heavy-base-image", "--ignore",
                 "final-user-root", "."]) == 1
    found = {(f["path"], f["name"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found == {(os.path.join("a", "Dockerfile"), "consecutive-run"),
                     (os.path.join("a", "Dockerfile"), "heavy-base-image"),
                     (os.path.join("b", "Dockerfile"), "heavy-base-image")}
    # --isolated: no files; --config: one file for all.
    main(["--check", "--format", "json", "--isolated", "--select", "final-user-root", "."])
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 2
    main(["--check", "--format", "json", "--config", "a/.dockls.toml", "."])
    assert {f["name"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"consecutive-run"}


def test_check_reports_a_broken_configuration_once_and_still_checks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / ".dockls.toml", "select = 3\n")
    write(tmp_path / "one" / "Dockerfile", DOCKERFILE)
    write(tmp_path / "two" / "Dockerfile", DOCKERFILE)
    assert main(["--check", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert err.count(f"{tmp_path / '.dockls.toml'}: error: 'select' must be a list") == 1
    assert "final-user-root" in out  # checked with the defaults


def test_check_stdin_filename_finds_the_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    write(tmp_path / "svc" / ".dockls.toml", 'select = ["consecutive-run"]\n')
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DOCKERFILE.encode())))
    main(["--check", "--format", "json", "--stdin-filename", str(tmp_path / "svc" / "Dockerfile")])
    assert {f["name"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"consecutive-run"}


def test_show_config_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = write(tmp_path / ".dockls.toml", 'ignore = ["size"]\n[rules]\nconsecutive-run = "error"\n')
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    assert main(["--show-config", str(dockerfile)]) == 0
    out = capsys.readouterr().out
    assert f"Configuration files: {config_file}" in out
    line = next(line for line in out.splitlines() if line.startswith("DKL001 "))
    assert line.split()[1:3] == ["consecutive-run", "error"] and line.endswith(f"rules in {config_file}")
    line = next(line for line in out.splitlines() if line.startswith("DKL022 "))
    assert line.split()[2] == "off"
    assert main(["--show-config", str(dockerfile), "--format", "json", "--ignore", "DKL001"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["files"] == [str(config_file)]
    by_name = {r["name"]: r for r in shown["rules"]}
    assert by_name["consecutive-run"] == {"id": "DKL001", "name": "consecutive-run", "enabled": False,
                                          "severity": "error", "decided_by": "ignore in command line"}
    assert len(shown["rules"]) == len(all_rules())


def test_show_config_with_a_broken_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / ".hadolint.yaml", "[")
    assert main(["--show-config", str(write(tmp_path / "Dockerfile", DOCKERFILE))]) == 2
    assert f"{tmp_path / '.hadolint.yaml'}: error:" in capsys.readouterr().err


def test_config_option_must_name_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--config", str(tmp_path / "missing.toml"), str(tmp_path)]) == 2
    assert "--config" in capsys.readouterr().err


def test_context_root_from_files_and_editor_settings(tmp_path: Path) -> None:
    write(tmp_path / ".dockls.toml", 'context = "."\n')
    nested = write(tmp_path / "services" / "api" / "Dockerfile", DOCKERFILE)
    assert Configuration().for_path(nested).context == tmp_path
    write(tmp_path / ".dockls.toml", '[context]\n"services/*/Dockerfile" = "services"\n"other/**" = "/srv/ctx"\n')
    assert Configuration().for_path(nested).context == tmp_path / "services"
    other = write(tmp_path / "other" / "Dockerfile", DOCKERFILE)
    assert Configuration().for_path(other).context == Path("/srv/ctx")
    top = write(tmp_path / "Dockerfile", DOCKERFILE)
    assert Configuration().for_path(top).context is None  # no entry matches: the default applies
    # Editor settings are relative to the workspace folder and win over the file (editorFirst).
    editor = layer_from_mapping({"context": "services"}, "editor settings", None)
    assert Configuration(after=[editor], roots=[tmp_path]).for_path(top).context == tmp_path / "services"
    with pytest.raises(ConfigError):
        layer_from_mapping({"context": 3}, "x", None)


@pytest.mark.parametrize(("value", "size"), [
    (1000, 1000), ("50 MB", 50_000_000), ("1.5GB", 1_500_000_000), ("200kB", 200_000), ("12", 12), ("3 MiB", 3_000_000),
])
def test_max_context_size(tmp_path: Path, value: object, size: int) -> None:
    write(tmp_path / ".dockls.toml", f"max-context-size = {value!r}\n".replace("'", '"'))
    assert Configuration().for_path(write(tmp_path / "Dockerfile", DOCKERFILE)).max_context_size == size


@pytest.mark.parametrize("value", ["big", 0, -1, True, "0 MB", [1]])
def test_max_context_size_must_be_a_size(value: object) -> None:
    with pytest.raises(ConfigError, match="max-context-size"):
        layer_from_mapping({"max-context-size": value}, "x", None)


def test_max_context_size_reaches_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / ".dockls.toml", 'max-context-size = "1 kB"\nselect = ["large-build-context"]\n')
    write(tmp_path / "data.bin", "x" * 5000)
    dockerfile = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nCOPY . /app\n")
    main(["--check", "--format", "json", str(dockerfile)])
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["name"] == "large-build-context" and "more than 1 kB" in finding["message"]
