"""BuildKit's own Dockerfile parser (PyPI ``dockerfile``), as the tests ask it: does it accept a text?"""

from __future__ import annotations

import dockerfile


def buildkit_error(text: str) -> str | None:
    """What BuildKit's parser says is wrong with ``text``, or None when it accepts it."""
    try:
        dockerfile.parse_string(text)
    except dockerfile.GoParseError as error:
        return str(error)
    return None
