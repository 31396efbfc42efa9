"""chown-in-later-layer (DKL010): chown/chmod in a RUN over files a COPY added stores every file twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Finding, Fix
from dockls.rules.chown_in_later_layer import _apply_symbolic
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings, fix_all_rule

NAME = "chown-in-later-layer"


def only(text: str) -> Finding:
    [finding] = findings(text, NAME)
    return finding


def applied(text: str, fix: Fix) -> str:
    """The text after ``fix``, checked for safety; the rule is silent afterwards."""
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


def fixed(text: str) -> str:
    """The text after the finding's safe fix."""
    fix = only(text).fixes[0]
    assert fix.safe
    return applied(text, fix)


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_command_and_the_copy_that_holds_the_files() -> None:
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R app:app /app\n"
    finding = only(text)
    assert text[finding.span.start : finding.span.end] == "chown -R app:app /app"
    assert "changes the owner of files the COPY on line 3 added" in finding.message
    assert "second copy" in finding.message
    assert "`COPY --chown=…`" in finding.message
    [related] = finding.related
    assert related.span.start == text.index("COPY")


@pytest.mark.parametrize(("copy", "run"), [
    ("COPY . /app", "chown -R app /app"),
    ("COPY . /app", "chown --recursive app:app /app/"),
    ("COPY src/ /app/src/", "chmod -R 755 /app"),
    ("COPY start.sh /start.sh", "chmod +x /start.sh"),
    ("COPY start.sh /usr/local/bin/", "chmod 0755 /usr/local/bin/start.sh"),
    ("COPY start.sh .", "chmod 755 start.sh"),
    ("COPY start.sh .", "cd /srv && chmod 755 start.sh"),
    ("COPY --from=build /out/app /usr/local/bin/app.bin", "chmod 755 /usr/local/bin/app.bin"),
    ("ADD https://example.com/tool.sh /usr/local/bin/tool.sh", "chmod 755 /usr/local/bin/tool.sh"),
    ("COPY . /app", "chmod +x /app/run.sh"),
    ("COPY . /app", "chown -R app /app/data"),
    ("COPY app.py /app/app.py", "chown -R app /"),
])
def test_fires(copy: str, run: str) -> None:
    assert len(findings(f"FROM debian\nWORKDIR /srv\n{copy}\nRUN {run}\n", NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nCOPY . /app\nRUN chown app /app\n", id="only the folder's own owner"),
    pytest.param("FROM debian\nCOPY . /app\nRUN chown -R app /data\n", id="another folder"),
    pytest.param("FROM debian\nCOPY start.sh /start.sh\nRUN chmod 755 /stop.sh\n", id="another file"),
    pytest.param("FROM debian\nRUN chmod 755 /start.sh\nCOPY start.sh /start.sh\n", id="before the copy"),
    pytest.param("FROM debian\nCOPY rootfs /\nRUN chmod 1777 /run\n", id="a root file system overlay"),
    pytest.param("FROM debian\nCOPY . /app\nRUN npm install --prefix /app\nRUN chmod 755 /app/node_modules/x.js\n",
                 id="a file a later RUN may have created"),
    pytest.param("FROM debian AS build\nCOPY . /app\nRUN chown -R app /app\nFROM debian\nCOPY --from=build /app /app\n",
                 id="builder stage not in the final image"),
    pytest.param("FROM debian\nCOPY start.sh /start.sh\n# dockls ignore=chown-in-later-layer\n"
                 "RUN chmod 755 /start.sh\n", id="suppressed"),
    pytest.param("FROM debian\nCOPY start.sh /start.sh\nRUN echo chmod 755 /start.sh\n", id="only mentioned"),
    pytest.param("FROM debian\nCOPY --chown=app:app . /app\nRUN chown -R app:app /app\n",
                 id="the COPY already sets that owner"),
    pytest.param("FROM debian\nCOPY --chmod=0755 start.sh /start.sh\nRUN chmod 755 /start.sh\n",
                 id="the COPY already sets that mode"),
    pytest.param("FROM debian\nARG DIR\nCOPY start.sh $DIR/start.sh\nRUN chmod 755 /start.sh\n",
                 id="destination unknown"),
    pytest.param('FROM debian\nCOPY start.sh /start.sh\nSHELL ["pwsh", "-Command"]\nRUN chmod 755 /start.sh\n',
                 id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


# -- the fix ------------------------------------------------------------------------------------------


def test_folder_keeps_a_non_recursive_chown_of_itself() -> None:
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R app:app /app\n"
    safe, drop = only(text).fixes
    assert safe.safe and not drop.safe
    assert applied(text, safe) == ("FROM python:3.12-slim\nWORKDIR /app\nCOPY --chown=app:app . .\n"
                                   "RUN chown app:app /app\n")
    assert applied(text, drop) == "FROM python:3.12-slim\nWORKDIR /app\nCOPY --chown=app:app . .\n"


def test_file_drops_the_run() -> None:
    text = ("FROM alpine\nCOPY start.sh /usr/local/bin/start.sh\nRUN chmod 755 /usr/local/bin/start.sh\n"
            "CMD [\"start.sh\"]\n")
    assert fixed(text) == "FROM alpine\nCOPY --chmod=755 start.sh /usr/local/bin/start.sh\nCMD [\"start.sh\"]\n"


def test_file_drops_only_the_command_when_the_run_does_more() -> None:
    text = "FROM alpine\nCOPY start.sh /start.sh\nRUN chown app:app /start.sh && \\\n    echo ready\n"
    assert fixed(text) == "FROM alpine\nCOPY --chown=app:app start.sh /start.sh\nRUN echo ready\n"


def test_owner_without_group_keeps_the_files_group() -> None:
    text = "FROM alpine\nCOPY start.sh /start.sh\nRUN chown app /start.sh\n"
    assert fixed(text) == "FROM alpine\nCOPY --chown=app:0 start.sh /start.sh\n"
    text = "FROM alpine\nCOPY --chown=root:staff start.sh /start.sh\nRUN chown app /start.sh\n"
    assert fixed(text) == "FROM alpine\nCOPY --chown=app:staff start.sh /start.sh\n"
    text = "FROM alpine\nCOPY --chown=web start.sh /start.sh\nRUN chown app /start.sh\n"
    finding = only(text)
    assert finding.fixes == ()
    assert "keeps the files' group" in finding.message


def test_replaces_the_copys_own_flag_and_bundled_recursion() -> None:
    text = "FROM debian\nCOPY --link --chown=root:root . /srv/app\nRUN chown -Rv www-data:www-data /srv/app\n"
    assert fixed(text) == ("FROM debian\nCOPY --link --chown=www-data:www-data . /srv/app\n"
                           "RUN chown -v www-data:www-data /srv/app\n")


def test_several_copies_into_the_folder_get_the_flag() -> None:
    text = "FROM debian\nWORKDIR /app\nCOPY package.json /app/\nCOPY . .\nRUN chown -R node:node /app\n"
    assert fixed(text) == ("FROM debian\nWORKDIR /app\nCOPY --chown=node:node package.json /app/\n"
                           "COPY --chown=node:node . .\nRUN chown node:node /app\n")


def test_symbolic_mode_is_a_code_action_with_the_mode_for_644() -> None:
    text = "FROM alpine\nCOPY start.sh /start.sh\nRUN chmod +x /start.sh\n"
    finding = only(text)
    [fix] = finding.fixes
    assert not fix.safe
    assert "`--chmod=755` is what it gives a file of mode 644" in finding.message
    assert applied(text, fix) == "FROM alpine\nCOPY --chmod=755 start.sh /start.sh\n"
    assert fix_all_rule(text, NAME) == text


@pytest.mark.parametrize(("mode", "octal"), [
    ("+x", 0o755), ("u+x", 0o744), ("a+x", 0o755), ("go-r", 0o600), ("+w", 0o644), ("a=r", 0o444),
    ("u=rwx,go=rx", 0o755), ("g+X", 0o644), ("o-rwx", 0o640), ("+s", None), ("=r", None),
])
def test_symbolic_modes(mode: str, octal: int | None) -> None:
    assert _apply_symbolic(mode, 0o644) == octal


@pytest.mark.parametrize(("text", "reason"), [
    pytest.param("FROM node:20\nWORKDIR /app\nCOPY package.json .\nRUN npm install\nCOPY . .\nRUN chown -R node /app\n",
                 "the RUN on line 4 may have put files into /app", id="a RUN filled the folder"),
    pytest.param("FROM debian\nCOPY . /srv\nRUN chmod -R 755 /srv\n", "folders and files the same mode",
                 id="recursive chmod"),
    pytest.param("FROM debian\nWORKDIR /app\nCOPY . .\nWORKDIR /app/logs\nRUN chown -R app /app\n",
                 "creates a folder inside /app", id="a WORKDIR inside the folder"),
    pytest.param("FROM debian AS base\nCOPY start.sh /start.sh\nFROM base AS test\nRUN /start.sh --test\n"
                 "FROM base\nRUN chmod 755 /start.sh\n", "another stage is built from", id="shared base stage"),
])
def test_risky_fixes_are_code_actions_only(text: str, reason: str) -> None:
    finding = only(text)
    assert finding.fixes
    assert not any(fix.safe for fix in finding.fixes)
    assert reason in finding.message
    assert fix_all_rule(text, NAME) == text


@pytest.mark.parametrize(("text", "reason"), [
    pytest.param("FROM debian\nCOPY start.sh /app/start.sh\nRUN chown -R app /app\n", "/app may hold more than",
                 id="a parent folder"),
    pytest.param("FROM debian\nCOPY . /app\nRUN chmod +x /app/run.sh\n", "copy /app/run.sh on its own",
                 id="one file of a folder copy"),
    pytest.param("FROM debian\nCOPY . /app\nRUN chown -R --from=root app /app\n", "option COPY cannot express",
                 id="--from"),
    pytest.param("FROM debian\nARG OWNER=app\nCOPY start.sh /start.sh\nRUN chown $OWNER /start.sh\n", "variables",
                 id="variable owner"),
    pytest.param("FROM debian\nCOPY start.sh /start.sh\nRUN chmod u+s /start.sh\n", "no plain octal",
                 id="set-user-ID"),
    pytest.param("FROM debian\nADD tool.tar.gz /opt/tool.tar.gz\nRUN chmod 755 /opt/tool.tar.gz\n",
                 "unpacks the archive", id="ADD of an archive"),
])
def test_no_fix(text: str, reason: str) -> None:
    finding = only(text)
    assert finding.fixes == ()
    assert reason in finding.message


def test_each_path_of_a_command_is_reported_but_not_fixed() -> None:
    text = "FROM debian\nCOPY . /app\nCOPY . /srv\nRUN chown -R app /app /srv\n"
    first, second = findings(text, NAME)
    assert first.fixes == second.fixes == ()
    assert "`chown` changes several paths" in first.message
    assert first.related[0].span.start == text.index("COPY . /app")
    assert second.related[0].span.start == text.index("COPY . /srv")


def test_a_source_that_may_be_a_file_or_a_folder() -> None:
    text = "FROM debian\nCOPY --from=build /out/app /usr/local/bin/app\nRUN chmod 755 /usr/local/bin/app\n"
    finding = only(text)
    [fix] = finding.fixes
    assert not fix.safe
    assert "whether /usr/local/bin/app is a file or a folder is not known" in finding.message
    assert applied(text, fix) == "FROM debian\nCOPY --from=build --chmod=755 /out/app /usr/local/bin/app\n"


def test_heredoc_copy_and_heredoc_run() -> None:
    text = ("FROM debian\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\nRUN <<EOF\nset -e\nchmod 600 /etc/app.conf\n"
            "echo ok\nEOF\n")
    assert fixed(text) == ("FROM debian\nCOPY --chmod=600 <<EOF /etc/app.conf\nkey=value\nEOF\n"
                           "RUN <<EOF\nset -e\necho ok\nEOF\n")


def test_onbuild_triggers() -> None:
    text = "FROM debian\nONBUILD COPY start.sh /start.sh\nONBUILD RUN chmod 755 /start.sh\n"
    assert fixed(text) == "FROM debian\nONBUILD COPY --chmod=755 start.sh /start.sh\n"
    assert findings("FROM debian\nCOPY start.sh /start.sh\nONBUILD RUN chmod 755 /start.sh\n", NAME) == []


def test_exec_form_run() -> None:
    text = 'FROM debian\nCOPY start.sh /start.sh\nRUN ["chmod", "755", "/start.sh"]\n'
    assert fixed(text) == "FROM debian\nCOPY --chmod=755 start.sh /start.sh\n"
    text = 'FROM debian\nCOPY . /app\nRUN ["chown", "-R", "app:app", "/app"]\n'
    [drop] = only(text).fixes  # the recursion cannot be taken out of a JSON array
    assert not drop.safe
    assert applied(text, drop) == "FROM debian\nCOPY --chown=app:app . /app\n"


def test_a_cache_mount_changes_nothing() -> None:
    text = "FROM debian\nCOPY start.sh /start.sh\nRUN --mount=type=cache,target=/root/.cache chmod 755 /start.sh\n"
    assert fixed(text) == "FROM debian\nCOPY --chmod=755 start.sh /start.sh\n"


def test_across_stages() -> None:
    text = "FROM debian AS base\nCOPY start.sh /start.sh\nFROM base\nRUN chmod 755 /start.sh\n"
    assert fixed(text) == "FROM debian AS base\nCOPY --chmod=755 start.sh /start.sh\nFROM base\n"


def test_keeps_crlf_line_breaks() -> None:
    text = "FROM debian\r\nWORKDIR /app\r\nCOPY . .\r\nRUN chown -R app:app /app \\\r\n    && echo ok\r\n"
    assert fixed(text) == ("FROM debian\r\nWORKDIR /app\r\nCOPY --chown=app:app . .\r\n"
                           "RUN chown app:app /app \\\r\n    && echo ok\r\n")


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The corpus's cases are `chmod +x` (symbolic), parent folders and RUN-filled folders: none is fixed safely.
    assert assert_corpus_fixes_are_safe(corpus, NAME) >= 0
