"""How one document is checked: as a Dockerfile or as an ignore file, with its configuration and
the build context on disk it belongs to. Both adapters (CLI and language server) check through it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockls.buildcontext import BuildContext, context_for, contexts_using
from dockls.engine import RULE_BUDGET, Analysis, Config, IgnoreAnalysis, analyze, analyze_ignore
from dockls.model import Model
from dockls.workspace import Workspace, read_text, readable

Checked = Analysis | IgnoreAnalysis


@dataclass(frozen=True)
class Checker:
    """Plain data, so that worker processes can be given one."""

    config: Config
    location: Path | None = None  # None: not a file on disk (stdin, unsaved), so no build context
    context_root: Path | None = None  # the configured context root, if any
    ignore_file: bool = False
    max_context_size: int | None = None  # the configured large-build-context threshold, if any
    workspace: Workspace | None = None  # where files may be read (language server); None: anywhere (CLI)
    budget: float | None = RULE_BUDGET  # seconds each rule may take on the text; None: no limit

    def __call__(self, text: str) -> Checked:
        if self.ignore_file:
            location = self._on_disk()
            found = contexts_using(location, lambda _: self.context_root, self.workspace) if location else []
            contexts = [context for context in found if readable(self.workspace, context.root)]
            for each in contexts:
                self._configure(each)
            dockerfiles = [Model.from_text(read_text(self.workspace, c.dockerfile) or "", c)
                           for c in contexts if c.dockerfile]
            return analyze_ignore(text, self.config, context=contexts[0] if contexts else None,
                                  dockerfiles=dockerfiles, budget=self.budget)
        return analyze(text, self.config, context=self.build_context(), budget=self.budget)

    def build_context(self) -> BuildContext | None:
        """The build context on disk of the Dockerfile: None when it is not a file in an existing
        folder (nothing on disk to speak of), or when the context's root is outside the workspace."""
        location = self._on_disk()
        if location is None:
            return None
        context = context_for(location, self.context_root, self.workspace)
        if not readable(self.workspace, context.root):
            return None
        self._configure(context)
        return context

    def _configure(self, context: BuildContext) -> None:
        if self.max_context_size is not None:
            context.large_threshold = self.max_context_size

    def _on_disk(self) -> Path | None:
        """The document's path, when it is a file in an existing folder: a document in a folder that
        does not exist (yet) has no build context on disk to speak of."""
        return self.location if self.location is not None and self.location.parent.is_dir() else None
