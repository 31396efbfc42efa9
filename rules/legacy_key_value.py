"""## What it does
Finds `ENV` and `LABEL` instructions in the legacy whitespace form, `ENV key value`, and rewrites them
as `ENV key=value`.

## Why is this bad?
In the legacy form the value is the whole rest of the line, blanks and quotes included, so
`ENV PATH /opt/bin:$PATH LANG C.UTF-8` sets one variable, `PATH`, to `/opt/bin:… LANG C.UTF-8`. The
form sets only one variable per instruction, looks like it sets several, and is deprecated: BuildKit
warns about it and the Dockerfile reference says it may be removed.

## Example
```dockerfile
FROM debian:12
ENV APP_HOME /srv/app
LABEL description A small service
```

## Use instead
```dockerfile
FROM debian:12
ENV APP_HOME=/srv/app
LABEL description="A small service"
```

## Fix safety
The fix keeps the value exactly as BuildKit reads it: the blanks between the key and the value become
`=`, and a value with blanks outside quotes is put in double quotes, which keep blanks and expand
`$VARIABLES` just as the unquoted legacy value does. A value that holds blanks together with quotes
or the escape character, or a key with quotes, gets no fix: quoting it would change what it means.

## Stages
All stages, and `ENV`/`LABEL` in `ONBUILD` triggers.

## References
- [Dockerfile reference: ENV](https://docs.docker.com/reference/dockerfile/#env)
- [BuildKit check LegacyKeyValueFormat](https://docs.docker.com/reference/build-checks/legacy-key-value-format/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.syntax import Instruction, parse_words
from dockls.text import Span


def check(model: Model) -> Iterator[Finding]:
    escape = model.tree.escape
    for inst in model.tree.instructions:
        target = inst.command
        if target.keyword not in ("ENV", "LABEL") or len(target.value) != 2 or len(target.value_spans) != 2:
            continue
        if model.text.startswith("=", target.value_spans[0].end):
            continue  # key=value form
        yield _finding(model.text, target, escape)


def _finding(text: str, inst: Instruction, escape: str) -> Finding:
    key, value = inst.value
    key_span, value_span = inst.value_spans
    message = (f"`{inst.keyword} {key} …` uses the legacy form: the value is the whole rest of the line; "
               f"write `{inst.keyword} {key}=…`")
    replacement = _key_value(key, value, escape)
    if replacement is None:
        return RULE.finding(key_span, message)
    separator, quote = replacement
    edits = [Edit(Span(key_span.end, value_span.start), separator)]
    if quote:
        edits.append(Edit(Span(value_span.end, value_span.end), quote))
    return RULE.finding(key_span, message, Fix(f"Use {inst.keyword} {key}=value", tuple(edits)))


def _key_value(key: str, value: str, escape: str) -> tuple[str, str] | None:
    """What goes between key and value (``=`` or ``="``) and after the value (nothing or ``"``), or
    None when no rewrite keeps the value."""
    if any(ch in key for ch in "\"'" + escape):
        return None
    words = parse_words(value, escape)
    if len(words) == 1 and words[0][1] == 0 and words[0][2] == len(value):
        return "=", ""  # one word: `key=value` reads the same text
    if any(ch in value for ch in "\"'" + escape):
        return None
    return '="', '"'


RULE = Rule(
    id="DKL043",
    name="legacy-key-value",
    summary="ENV/LABEL in the legacy `key value` form",
    severity=Severity.WARNING,
    category="best-practice",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    buildkit=("LegacyKeyValueFormat",),
)
