"""How one document is checked: as a Dockerfile or as an ignore file, with its configuration and
the build context on disk it belongs to. Both adapters (CLI and language server) check through it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockls.buildcontext import BuildContext, context_for, contexts_using
from dockls.engine import Analysis, Config, IgnoreAnalysis, analyze, analyze_ignore
from dockls.model import Model

Checked = Analysis | IgnoreAnalysis


@dataclass(frozen=True)
class Checker:
    """Plain data, so that worker processes can be given one."""

    config: Config
    location: Path | None = None  # None: not a file on disk (stdin, unsaved), so no build context
    context_root: Path | None = None  # the configured context root, if any
    ignore_file: bool = False
    max_context_size: int | None = None  # the configured large-build-context threshold, if any

    def __call__(self, text: str) -> Checked:
        if self.ignore_file:
            contexts = contexts_using(self.location, lambda _: self.context_root) if self.location else []
            for each in contexts:
                self._configure(each)
            dockerfiles = [Model.from_text(_read_text(c.dockerfile), c) for c in contexts if c.dockerfile]
            return analyze_ignore(text, self.config, context=contexts[0] if contexts else None,
                                  dockerfiles=dockerfiles)
        # A document whose folder does not exist (yet) has no build context on disk to speak of.
        on_disk = self.location is not None and self.location.parent.is_dir()
        context = context_for(self.location, self.context_root) if on_disk and self.location else None
        if context is not None:
            self._configure(context)
        return analyze(text, self.config, context=context)

    def _configure(self, context: BuildContext) -> None:
        if self.max_context_size is not None:
            context.large_threshold = self.max_context_size


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
