"""Document links: base images to their registry's web page, COPY/ADD sources to the files.

:func:`registry_page_url` is the one place that knows which registry has which browsable page:

* Docker Hub (no registry host, ``docker.io``, ``index.docker.io``, ``registry-1.docker.io``):
  official images ``https://hub.docker.com/_/<name>``, others ``https://hub.docker.com/r/<ns>/<name>``.
* ``quay.io``: ``https://quay.io/repository/<path>``.
* ``mcr.microsoft.com``: ``https://mcr.microsoft.com/artifact/mar/<path>``.
* ``public.ecr.aws``: the ECR Public Gallery, ``https://gallery.ecr.aws/<path>``.
* ``cgr.dev/chainguard/<name>``: ``https://images.chainguard.dev/directory/image/<name>/overview``.
* ``ghcr.io`` and Google's ``gcr.io`` hosts: ``https://<registry>/<path>``. The GitHub package page
  (``github.com/<owner>/<repo>/pkgs/container/<name>``) needs the repository, which the reference
  does not name; a browser opening ``https://ghcr.io/<path>`` is sent to the package's page, and
  ``https://gcr.io/<project>/<image>`` to the Cloud console's page of the image.
* Any other registry: no link (its web page, if any, cannot be derived from the reference).

References with variables, ``scratch`` and malformed references get no link. Stage names are no
images. File links go only to regular files inside the build context (the Dockerfile's directory):
no URLs, globs, variables, ``--from`` sources, heredocs, absolute paths, and nothing whose real
path (symlinks resolved) leaves the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockls.images import DOCKER_HUB, ImageRef, normalize
from dockls.model import Model
from dockls.syntax import Instruction
from dockls.text import Span

_GOOGLE = frozenset({"gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"})
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Link:
    span: Span
    target: str  # an https:// or file:// URL
    tooltip: str


def registry_page(ref: ImageRef) -> str | None:
    """The web page of a normalised image reference on its registry (see the module doc)."""
    registry, path = ref.registry.lower(), ref.repository
    parts = path.split("/")
    if registry == DOCKER_HUB:
        if path == "scratch":
            return None
        if len(parts) == 1:
            return f"https://hub.docker.com/_/{path}"
        return f"https://hub.docker.com/r/{path}" if len(parts) == 2 else None
    if registry == "quay.io":
        return f"https://quay.io/repository/{path}"
    if registry == "mcr.microsoft.com":
        return f"https://mcr.microsoft.com/artifact/mar/{path}"
    if registry == "public.ecr.aws":
        return f"https://gallery.ecr.aws/{path}"
    if registry == "cgr.dev":
        if len(parts) == 2 and parts[0] == "chainguard":
            return f"https://images.chainguard.dev/directory/image/{parts[1]}/overview"
        return None
    if registry == "ghcr.io" or registry in _GOOGLE:
        return f"https://{registry}/{path}"
    return None


def registry_page_url(reference: str) -> str | None:
    """The registry page of an image reference as written (None with variables or when malformed)."""
    ref = normalize(reference)
    return registry_page(ref) if ref is not None else None


def document_links(model: Model, context: Path | None) -> list[Link]:
    """Links for base images and, when the build context directory is known, COPY/ADD sources."""
    links: list[Link] = []
    stage_names = {stage.name for stage in model.stages if stage.name}
    for stage in model.stages:
        words = stage.from_instruction.value
        if not words or stage.image_span is None or stage.parent is not None or words[0].lower() in stage_names:
            continue
        url = registry_page_url(words[0])
        if url is not None:
            links.append(Link(stage.image_span, url, f"Open {words[0]} on its registry"))
    if context is not None:
        try:
            root = context.resolve()
        except (OSError, RuntimeError):
            return links
        for inst in model.tree.walk():
            if inst.keyword in ("COPY", "ADD") and inst.flag("from") is None:
                links.extend(_source_links(inst, model.text, root))
    return sorted(links, key=lambda link: link.span)


def _source_links(inst: Instruction, text: str, root: Path) -> list[Link]:
    links = []
    for source, span in list(zip(inst.value, inst.value_spans))[:-1]:
        if inst.json:
            span = Span(span.start + 1, span.end - 1)  # inside the quotes
        if text[span.start:span.end] != source or not _plain_path(source):
            continue
        target = _inside(root, source)
        if target is not None:
            links.append(Link(span, target.as_uri(), f"Open {source}"))
    return links


def _plain_path(source: str) -> bool:
    return bool(source) and not (
        source.startswith(("/", "<<", "\\")) or "://" in source or source.startswith("git@")
        or "$" in source or any(ch in _GLOB_CHARS for ch in source) or any(ch in "'\"" for ch in source)
    )


def _inside(root: Path, source: str) -> Path | None:
    """The regular file ``source`` names inside ``root``, following symlinks only where they stay in."""
    try:
        target = (root / source).resolve()
        if target.is_relative_to(root) and target.is_file():
            return target
    except (OSError, RuntimeError, ValueError):
        return None
    return None
