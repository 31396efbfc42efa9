"""cleanup-in-later-layer (DKL009): a RUN deletes what an earlier RUN created; the files stay in that layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.engine import analyze
from dockls.fixes import fix_all
from dockls.rule import Finding, Severity
from tests.rules.helpers import (
    apply_fix,
    apply_only_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "cleanup-in-later-layer"


def fixed(text: str) -> str:
    """The text after the one finding's safe fix, checked for safety."""
    return apply_only_fix(text, NAME, safe=True)


def only(text: str) -> Finding:
    [finding] = findings(text, NAME)
    return finding


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_cleanup_with_the_layer_that_holds_the_files() -> None:
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
            "COPY . /app\nRUN rm -rf /var/lib/apt/lists/*\n")
    finding = only(text)
    assert text[finding.span.start : finding.span.end] == "rm -rf /var/lib/apt/lists/*"
    assert finding.effective_severity is Severity.WARNING
    assert "created by `apt-get update` in the RUN on line 2" in finding.message
    assert "16 MB" in finding.message
    assert "does not make the image smaller" in finding.message
    [related] = finding.related
    assert text[related.span.start : related.span.end] == "RUN"
    assert text.index("RUN apt-get") == related.span.start


@pytest.mark.parametrize(("setup", "cleanup"), [
    ("apt-get update && apt-get install -y curl", "rm -rf /var/lib/apt/lists/*"),
    ("apt-get update && apt-get install -y curl", "rm -rf /var/lib/apt/lists"),
    ("apt-get update && apt-get install -y curl", "rm -rf /var/lib/apt/lists/partial"),
    ("apk update && apk add curl", "rm -rf /var/cache/apk/*"),
    ("apk add curl", "apk cache clean"),
    ("yum install -y curl", "yum clean all"),
    ("dnf install -y curl", "dnf clean all"),
    ("microdnf install curl", "rm -rf /var/cache/dnf"),
    ("zypper --non-interactive install curl", "zypper clean --all"),
    ("npm install", "npm cache clean --force"),
    ("npm ci", "rm -rf /root/.npm"),
    ("yarn install --frozen-lockfile", "yarn cache clean"),
    ("pip install flask", "pip cache purge"),
    ("pip install flask", "rm -rf ~/.cache/pip"),
    ("python3 -m pip install flask", "rm -rf /root/.cache/pip"),
    ("conda install -y numpy", "conda clean -afy"),
    ("curl -fsSL -o /tmp/tool.tar.gz https://example.com/tool.tar.gz", "rm /tmp/tool.tar.gz"),
    ("curl -fsSLO https://example.com/tool.tar.gz", "rm -f tool.tar.gz"),
    ("curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz", "rm -f /tmp/tool.tgz"),
    ("curl --output=/tmp/tool.tgz https://example.com/tool.tgz", "rm -f /tmp/tool.tgz"),
    ("wget -q https://example.com/tool.tar.gz", "rm tool.tar.gz"),
    ("wget -O /opt/tool.zip https://example.com/tool.zip", "rm -f /opt/tool.zip"),
    ("git clone --depth 1 https://github.com/example/tool.git /src/tool", "rm -rf /src/tool"),
    ("git clone https://github.com/example/tool.git", "rm -rf tool"),
    ("git clone https://github.com/example/tool.git /src/tool", "rm -rf /src/tool/.git"),
    ("tar -xzf /tmp/node-v20.tar.gz -C /opt", "rm -rf /opt/node-v20"),
    ("tar xJf /tmp/node-v20.tar.xz", "rm -rf node-v20"),
    ("tar -xf /tmp/tool.tar -C/opt", "rm -rf /opt/tool"),
    ("tar xzf /tmp/tool.tgz -C /opt/tool --strip-components=1", "rm -rf /opt/tool"),
    ("unzip -q /tmp/tool.zip -d /opt/tool", "rm -rf /opt/tool"),
])
def test_fires(setup: str, cleanup: str) -> None:
    text = f"FROM debian\nWORKDIR /src\nRUN {setup}\nRUN {cleanup}\n"
    finding = only(text)
    assert text[finding.span.start : finding.span.end] == cleanup
    assert "line 3" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
                 id="same RUN"),
    pytest.param("FROM debian\nRUN rm -rf /var/lib/apt/lists/*\n", id="nothing created: the base image's files"),
    pytest.param("FROM debian\nRUN apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n",
                 id="install without update writes no lists"),
    pytest.param("FROM debian\nRUN curl -o /tmp/a.tgz https://x.org/a.tgz\nRUN rm /tmp/b.tgz\n", id="another file"),
    pytest.param("FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\nRUN rm -rf /var/lib/apt/lists/*\n"
                 "FROM debian\nCOPY --from=build /out /out\n", id="builder stage not in the final image"),
    pytest.param("FROM debian\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n"
                 "RUN rm -rf /var/lib/apt/lists/*\n", id="cache mount: the lists never were in the layer"),
    pytest.param("FROM debian\nRUN apt-get update\n"
                 "RUN --mount=type=cache,target=/var/lib/apt rm -rf /var/lib/apt/lists/*\n",
                 id="the removal happens in a cache mount"),
    pytest.param("FROM debian\nRUN pip install --no-cache-dir flask\nRUN rm -rf /root/.cache/pip\n",
                 id="pip without cache"),
    pytest.param("FROM alpine\nRUN apk add --no-cache curl\nRUN rm -rf /var/cache/apk/*\n", id="apk without cache"),
    pytest.param("FROM debian\nRUN apt-get update\n# dockls ignore=cleanup-in-later-layer\n"
                 "RUN rm -rf /var/lib/apt/lists/*\n", id="suppressed"),
    pytest.param("# dockls global ignore=DKL009\nFROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n",
                 id="suppressed globally"),
    pytest.param('FROM debian\nRUN apt-get update\nSHELL ["pwsh", "-Command"]\nRUN rm -rf /var/lib/apt/lists/*\n',
                 id="non-POSIX shell"),
    pytest.param("FROM debian\nRUN git clone https://x.org/a.git /src/a\nRUN cd /src/a && make\n"
                 "RUN rm -rf /src/a/build\n", id="part of a folder a later RUN worked in"),
    pytest.param("FROM debian\nRUN echo rm -rf /var/lib/apt/lists/*\n", id="only mentioned"),
    pytest.param("FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\nRUN rm -rf /tmp/*\n",
                 id="a broad rm after the files went may delete other things"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_builder_stage_the_final_image_is_built_from_is_followed() -> None:
    text = ("FROM debian AS base\nRUN apt-get update && apt-get install -y curl\n"
            "FROM base\nRUN rm -rf /var/lib/apt/lists/*\n")
    assert fixed(text) == ("FROM debian AS base\nRUN apt-get update && apt-get install -y curl && "
                           "rm -rf /var/lib/apt/lists/*\nFROM base\n")


def test_across_stages_another_stage_built_on_the_base_blocks_the_automatic_fix() -> None:
    text = ("FROM debian AS base\nRUN apt-get update && apt-get install -y curl\n"
            "FROM base AS test\nRUN apt-cache policy curl\n"
            "FROM base\nRUN rm -rf /var/lib/apt/lists/*\n")
    finding = only(text)
    [fix] = finding.fixes
    assert not fix.safe
    assert "another stage is built from or copies from stage `base`" in finding.message


# -- the fix ------------------------------------------------------------------------------------------


def test_moves_the_cleanup_and_deletes_the_emptied_run() -> None:
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nCOPY . /app\n"
            "# clean up\nRUN rm -rf /var/lib/apt/lists/*\nCMD [\"app\"]\n")
    assert fixed(text) == ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && "
                           "rm -rf /var/lib/apt/lists/*\nCOPY . /app\nCMD [\"app\"]\n")


def test_moves_several_cleanups_of_one_run_in_one_fix() -> None:
    text = ("FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl\nCOPY . /app\n"
            "RUN apt-get clean && rm -rf /var/lib/apt/lists/*\n")
    first, second = findings(text, NAME)
    assert first.effective_severity is Severity.INFO  # apt-get clean: docker-clean makes it moot on most bases
    assert "docker-clean" in first.message
    assert first.fixes == second.fixes
    after = apply_fix(text, first.fixes[0])
    assert after == ("FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n"
                     "    apt-get clean && rm -rf /var/lib/apt/lists/*\nCOPY . /app\n")
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []


def test_keeps_what_else_the_later_run_does() -> None:
    text = ("FROM python:3.12\nRUN pip install flask\nCOPY . /app\n"
            "RUN python -m compileall /app && \\\n    pip cache purge && \\\n    echo done\n")
    assert fixed(text) == ("FROM python:3.12\nRUN pip install flask && pip cache purge\nCOPY . /app\n"
                           "RUN python -m compileall /app && \\\n    echo done\n")


def test_moves_only_the_paths_created_earlier() -> None:
    text = ("FROM debian\nRUN apt-get update && apt-get install -y curl\n"
            "RUN curl -o /tmp/x.sh https://x.org/x.sh && sh /tmp/x.sh && rm -rf /var/lib/apt/lists/* /tmp/x.sh\n")
    assert fixed(text) == ("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
                           "RUN curl -o /tmp/x.sh https://x.org/x.sh && sh /tmp/x.sh && rm -rf /tmp/x.sh\n")


def test_download_removed_in_a_later_run() -> None:
    text = ("FROM alpine\nWORKDIR /tmp\nRUN wget https://x.org/tool.tar.gz && tar xzf tool.tar.gz -C /opt\n"
            "RUN rm tool.tar.gz\n")
    finding = only(text)
    assert "deletes /tmp/tool.tar.gz, created by `wget` in the RUN on line 3" in finding.message
    assert fixed(text) == ("FROM alpine\nWORKDIR /tmp\n"
                           "RUN wget https://x.org/tool.tar.gz && tar xzf tool.tar.gz -C /opt && rm tool.tar.gz\n")


def test_alpine_virtual_package_deleted_in_the_next_run() -> None:
    text = "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev\nRUN apk del .build-deps\n"
    finding = only(text)
    assert "removes the package .build-deps, installed by `apk add`" in finding.message
    assert fixed(text) == ("FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && "
                           "apk del .build-deps\n")


def test_packages_used_in_between_get_no_fix() -> None:
    text = ("FROM debian\nRUN apt-get update && apt-get install -y gcc make\nRUN make -C /src\n"
            "RUN apt-get purge -y --auto-remove gcc make\n")
    finding = only(text)
    assert finding.fixes == ()
    assert "removes the packages gcc and make" in finding.message
    assert "build in a separate stage" in finding.message
    assert "no automatic fix: the RUN on line 3 may use them" in finding.message


def test_lists_read_by_a_later_install_get_no_fix() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n"
    finding = only(text)
    assert finding.fixes == ()
    assert "`apt-get install` on line 3 still needs them" in finding.message


def test_a_build_folder_used_in_between_gets_no_fix() -> None:
    text = ("FROM debian\nRUN git clone https://x.org/tool.git /src/tool\nRUN make -C /src/tool install\n"
            "RUN rm -rf /src/tool\n")
    finding = only(text)
    assert finding.fixes == ()
    assert "`make` on line 3 still needs them" in finding.message


def test_the_rest_of_the_later_run_counts_as_in_between() -> None:
    text = "FROM debian\nRUN git clone https://x.org/tool.git /src/tool\nRUN cd /src/tool && make && rm -rf /src/tool\n"
    finding = only(text)
    assert finding.fixes == ()
    assert "`make` on line 3 still needs them" in finding.message


@pytest.mark.parametrize(("text", "reason"), [
    pytest.param("FROM debian\nRUN git clone https://x.org/a.git /tmp/a\nRUN rm -rf /tmp/*\n",
                 "deletes a whole folder", id="broad rm"),
    pytest.param("FROM debian\nRUN apt-get update\nUSER app\nRUN rm -rf /var/lib/apt/lists/*\n",
                 "another user", id="USER change"),
    pytest.param("FROM debian\nWORKDIR /a\nRUN curl -O https://x.org/t.tgz\nWORKDIR /b\nRUN rm ../a/t.tgz\n",
                 "relative paths", id="relative path, other WORKDIR"),
])
def test_risky_moves_are_offered_as_code_actions_only(text: str, reason: str) -> None:
    finding = only(text)
    [fix] = finding.fixes
    assert not fix.safe
    assert reason in finding.message
    assert fix_all_rule(text, NAME) == text


def test_a_broad_rm_that_also_cleans_its_own_run_is_not_moved() -> None:
    text = ("FROM debian\nRUN curl -o /tmp/a.tgz https://x.org/a.tgz && tar xzf /tmp/a.tgz -C /opt\n"
            "RUN curl -o /tmp/b.tgz https://x.org/b.tgz && tar xzf /tmp/b.tgz -C /opt && rm -rf /tmp/*\n")
    finding = only(text)
    assert "deletes /tmp/a.tgz, created by `curl` in the RUN on line 2" in finding.message
    assert finding.fixes == ()
    assert "no automatic fix: `rm -rf /tmp/*` deletes a whole folder" in finding.message


def test_variables_are_resolved_where_each_command_runs() -> None:
    # `$D` is /tmp/u when the rm runs: not created earlier, so that word stays where it is.
    text = "FROM debian\nENV D=/tmp/t\nRUN git clone https://x.org/t.git /tmp/t\nENV D=/tmp/u\nRUN rm -rf /tmp/t $D\n"
    assert fixed(text) == ("FROM debian\nENV D=/tmp/t\nRUN git clone https://x.org/t.git /tmp/t && rm -rf /tmp/t\n"
                           "ENV D=/tmp/u\nRUN rm -rf $D\n")
    text = "FROM debian\nENV D=/tmp/t\nRUN git clone https://x.org/t.git $D\nENV D=/tmp/u\nRUN rm -rf /tmp/u\n"
    assert findings(text, NAME) == []
    text = "FROM debian\nARG D=/tmp/t\nRUN git clone https://x.org/t.git $D\nRUN rm -rf $D\n"
    assert fixed(text) == "FROM debian\nARG D=/tmp/t\nRUN git clone https://x.org/t.git $D && rm -rf $D\n"


def test_variables_with_other_values_at_the_creating_run_block_the_automatic_fix() -> None:
    text = "FROM debian\nENV D=/tmp/t\nRUN git clone https://x.org/t.git $D\nENV D=/tmp/t/\nRUN rm -rf $D\n"
    finding = only(text)
    [fix] = finding.fixes
    assert not fix.safe
    assert "the variables it uses may have other values there" in finding.message


def test_a_cleanup_that_deletes_nothing_is_dropped() -> None:
    text = ("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
            "COPY . /app\nRUN rm -rf /var/lib/apt/lists/*\n")
    finding = only(text)
    assert finding.effective_severity is Severity.INFO
    assert "deletes nothing: the RUN on line 2 already removed the apt package lists" in finding.message
    assert fixed(text) == ("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
                           "COPY . /app\n")


def test_the_same_cleanup_twice_in_one_run() -> None:
    text = ("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* && \\\n"
            "    rm -rf /var/lib/apt/lists/*\n")
    finding = only(text)
    assert "the same command earlier in this RUN already deleted" in finding.message
    assert fixed(text) == ("FROM debian\nRUN apt-get update && apt-get install -y curl && "
                           "rm -rf /var/lib/apt/lists/*\n")


def test_heredoc_runs() -> None:
    text = ("FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n"
            "COPY . /app\nRUN <<EOF\nset -e\nrm -rf /var/lib/apt/lists/*\necho done\nEOF\n")
    assert fixed(text) == ("FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\n"
                           "rm -rf /var/lib/apt/lists/*\nEOF\nCOPY . /app\nRUN <<EOF\nset -e\necho done\nEOF\n")


def test_heredoc_without_errexit_chains_to_the_last_command() -> None:
    text = "FROM debian\nRUN <<EOF\napt-get update\nEOF\nCOPY . /app\nRUN rm -rf /var/lib/apt/lists/*\n"
    assert fixed(text) == "FROM debian\nRUN <<EOF\napt-get update && rm -rf /var/lib/apt/lists/*\nEOF\nCOPY . /app\n"


def test_onbuild_triggers_are_compared_with_each_other() -> None:
    text = ("FROM debian\nONBUILD RUN curl -o /tmp/t.tgz https://x.org/t.tgz && tar xzf /tmp/t.tgz -C /opt\n"
            "ONBUILD RUN rm /tmp/t.tgz\n")
    assert fixed(text) == ("FROM debian\nONBUILD RUN curl -o /tmp/t.tgz https://x.org/t.tgz && tar xzf /tmp/t.tgz "
                           "-C /opt && rm /tmp/t.tgz\n")
    assert findings("FROM debian\nRUN apt-get update\nONBUILD RUN rm -rf /var/lib/apt/lists/*\n", NAME) == []


def test_exec_form() -> None:
    text = 'FROM debian\nRUN apt-get update\nCOPY . /app\nRUN ["rm", "-rf", "/var/lib/apt/lists"]\n'
    assert fixed(text) == "FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists\nCOPY . /app\n"
    text = 'FROM debian\nRUN ["apt-get", "update"]\nCOPY . /app\nRUN rm -rf /var/lib/apt/lists/*\n'
    finding = only(text)
    assert finding.fixes == ()
    assert "cannot be extended" in finding.message


def test_keeps_crlf_line_breaks() -> None:
    text = ("FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install -y curl\r\nCOPY . /app\r\n"
            "RUN apt-get clean\r\n")
    assert fixed(text) == ("FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install -y curl && \\\r\n"
                           "    apt-get clean\r\nCOPY . /app\r\n")


def test_no_fix_inside_a_condition() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN if true; then rm -rf /var/lib/apt/lists/*; fi && echo ok\n"
    finding = only(text)
    assert finding.fixes == ()
    assert "not a whole command" in finding.message


# -- with the other rules -------------------------------------------------------------------------------


def fix_everything(text: str) -> str:
    after = fix_all(text, lambda t: analyze(t).findings)[0]
    assert fix_all(after, lambda t: analyze(t).findings)[0] == after
    return after


def test_fix_all_rules_converge_with_apt_lists_not_removed() -> None:
    # Both rules report the same lists: the update that keeps them, and the later rm that cannot remove them.
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
            "COPY . /app\nRUN rm -rf /var/lib/apt/lists/*\n")
    names = {finding.rule.name for finding in analyze(text).findings}
    assert {"apt-lists-not-removed", NAME} <= names
    expected = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && "
                "rm -rf /var/lib/apt/lists/*\nCOPY . /app\n")
    assert fix_everything(text) == expected
    # Whichever fix comes first, the other rule then finds nothing left to do.
    [ours] = findings(text, NAME)
    assert fix_everything(apply_fix(text, ours.fixes[0])) == expected


def test_fix_all_rules_with_consecutive_runs() -> None:
    # consecutive-run merges the RUNs first: the repeated rm in the merged RUN is then dropped.
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
            "RUN apt-get clean && rm -rf /var/lib/apt/lists/*\n")
    assert fix_everything(text) == ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y "
                                    "--no-install-recommends curl && rm -rf /var/lib/apt/lists/* && \\\n"
                                    "    apt-get clean\n")


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The corpus holds two cases (apt lists removed after later installs): neither can be fixed safely.
    assert assert_corpus_fixes_are_safe(corpus, NAME) >= 0
