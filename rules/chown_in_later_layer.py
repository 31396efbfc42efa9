"""## What it does
Finds `chown` and `chmod` in a RUN over files that an earlier `COPY` or `ADD` of the image added —
`chown -R app:app /app` after `COPY . /app`, `chmod 755 /entrypoint.sh` after
`COPY entrypoint.sh /entrypoint.sh` — and offers `COPY --chown=…` or `COPY --chmod=…` instead.

The RUN's path is resolved against `WORKDIR`, a `cd` before the command and the ARG and ENV values in
force. A recursive `chown -R`/`chmod -R` is reported when the folder holds files a COPY added; a plain
`chown`/`chmod` when it names a file a COPY added (changing only a folder's own owner or mode costs
nothing and is not reported). What a COPY added is read from its sources: a source named like a file
(`start.sh`, a URL, a heredoc) is a file; `.`, a pattern or a name ending in `/` fill a folder with
files of unknown names; a single source without an extension (`COPY --from=build /out/app
/usr/local/bin/app`) may be either — a plain `chmod` of it is reported when it looks like a program
(in a `bin` folder). A COPY into `/` (a root file system overlay) is not taken to fill any folder.

## Why is this bad?
A layer stores whole files. Changing the owner or mode of a file that an earlier layer holds copies
the whole file into the RUN's layer ("copy-up"), so every file the COPY added is stored twice: once
as copied, once with its new owner or mode. For an application directory that doubles its share of
the image. `COPY --chown` and `COPY --chmod` set owner and mode as the files are copied, in one layer.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN chown -R app:app /app
COPY start.sh /usr/local/bin/start.sh
RUN chmod 755 /usr/local/bin/start.sh
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY --chown=app:app . .
RUN chown app:app /app
COPY --chmod=755 start.sh /usr/local/bin/start.sh
```

## Fix safety
The fix adds `--chown=<owner>` (or `--chmod=<mode>`) to the COPY (or replaces the one it has) and
removes the command from the RUN — the whole RUN when nothing else is left. The owner is taken as
written when it names a group (`app:app`, `1000:1000`); `chown app` changes only the owner and leaves
the group of the copied files (root), so it becomes `--chown=app:0` (`--chown=app` would also set the
group, to the user's). A folder's own owner is not changed by `COPY --chown` when the folder already
existed (from `WORKDIR`, an earlier instruction or the base image), so for a folder the fix keeps a
non-recursive `chown app:app /app` — it copies up only the folder entry, not its files. A second fix
drops it altogether, offered as a code action only.

The fix is applied by `--fix` only when the COPY (or the COPYs) added everything the RUN changes
that this Dockerfile knows of: the RUN names exactly the COPY's destination, and nothing before it
put other files there — no RUN that names a path inside that folder or runs inside it (`WORKDIR /app`
then `RUN npm install` fills `/app` with files the RUN's `chown -R` changes but `COPY --chown` would
not), no `WORKDIR` inside it, no other COPY into it. Files the base image already has in that folder
keep their owner with the fix; the Dockerfile cannot tell about those. A COPY in a stage that other
stages are built on is changed for them too: then the fix is a code action only.

When the Dockerfile cannot tell whether the COPY added a file or a folder, or the RUN's folder is a
parent of the COPY's destination (which may hold files from the base image or elsewhere), the fix is
a code action or there is none. `--chmod` is fixed only for a file and a plain octal mode without
special bits (`755`, `0644`): with a recursive `chmod` folders would get the same mode as files,
older BuildKit versions mishandle it on folders, and set-user-ID bits are dropped by some. Symbolic
modes (`+x`, `u+x`) are applied relative to each file's mode, which `COPY --chmod` supports only with
recent Dockerfile frontends (older ones ignored it silently); for them an octal mode computed for a
source file of mode 644 (what git checks out) is offered as a code action only. `--chmod` needs
BuildKit (the default builder since Docker 23). Owners, modes or paths with variables,
`chown --reference`/`--from`, the symlink options `-h`/`-H`/`-L`, a command changing several paths,
an `ADD` of a local archive (for `--chmod`), and exec-form RUNs with more than the command get no
fix.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`,
followed as one history (a `chown` in the last stage of what its base stage copied is reported).
`ONBUILD` triggers are compared with the triggers before them in the same stage. A builder stage
whose results are copied out with `COPY --from` is not reported.

## References
- [Dockerfile reference: COPY --chown --chmod](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
- [Image layers](https://docs.docker.com/get-started/docker-concepts/building-images/understanding-image-layers/)
- [OverlayFS copy-up](https://docs.kernel.org/filesystems/overlayfs.html)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.edits import add_flag, delete_instruction, remove_command
from dockls.history import ARCHIVE_SUFFIX, Place, image_history, is_under, resolve_path, shared_stages
from dockls.model import Model, Run
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand, Word
from dockls.text import Span

# Options that make chown or chmod do something COPY cannot express.
UNSUPPORTED = frozenset({
    "-h", "--no-dereference", "-H", "-L", "--dereference", "--reference", "--from",
})
OCTAL = re.compile(r"0?[0-7]{3}")
SYMBOLIC = re.compile(r"([ugoa]*)([-+=])([rwxX]*)")
OWNER = re.compile(r"[\w.-]+(:[\w.-]+)?")
GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Added:
    """What a COPY or ADD put into the image."""

    place: Place
    dest: str  # resolved
    files: tuple[str, ...] = ()  # files it added whose names are known
    folder: str | None = None  # where it put files whose names are not known (`COPY . /app`, globs, folders)
    either: str | None = None  # a file, or a folder with its content: `COPY --from=build /out/app /app`

    @property
    def paths(self) -> list[str]:
        return [p for p in (*self.files, self.folder, self.either) if p is not None]

    def within(self, path: str) -> bool:
        """It added something, and everything lies at or below ``path``."""
        return bool(self.paths) and all(is_under(p, path) for p in self.paths)


@dataclass(frozen=True)
class Change:
    """A chown or chmod command of a RUN."""

    command: ShellCommand
    tool: str  # "chown" or "chmod"
    value: Word  # the owner or the mode
    recursive: list[Word]  # the words that make it recursive (-R, --recursive, or -Rv …)
    paths: list[Word]
    unsupported: bool


def check(model: Model) -> Iterator[Finding]:
    if not any(command.name in ("chown", "chmod") for run in model.runs for command in run.commands):
        return
    runs = {id(run.instruction): run for run in model.runs}
    for places in image_history(model):
        copies: list[Place] = []
        added: dict[int, Added | None] = {}
        for index, place in enumerate(places):
            inst = place.inst
            if inst.keyword in ("COPY", "ADD"):
                copies.append(place)
            run = runs.get(id(inst))
            if run is None or run.opaque or not copies:
                continue
            for command in run.commands:
                change = _change(command)
                if change is None:
                    continue
                for copy in copies:
                    if id(copy) not in added:
                        added[id(copy)] = _added(copy)
                known = [a for a in added.values() if a is not None]
                yield from _findings(model, places[:index], place, run, change, known)


def _added(place: Place) -> Added | None:
    inst = place.inst
    if len(inst.value) < 2:
        return None
    dest_raw = inst.value[-1]
    dest = resolve_path(dest_raw, place.workdir, place.scope, None)
    if dest is None:
        return None
    sources = inst.value[:-1]
    names = [_file_name(source) for source in sources]
    if len(sources) == 1 and not dest_raw.endswith(("/", "/.")) and dest_raw != ".":
        if names[0] is not None:
            return Added(place, dest, files=(dest,))
        if not GLOB.search(sources[0]) and not sources[0].endswith(("/", "/.")) and sources[0] not in (".", "./"):
            return Added(place, dest, either=dest)
    files = tuple(posixpath.join(dest, name) for name in names if name is not None)
    # A copy of unknown names right into / (a root file system overlay) says nothing about any folder.
    return Added(place, dest, files=files, folder=dest if None in names and dest != "/" else None)


def _file_name(source: str) -> str | None:
    """The name a source gets as a file: a heredoc, a URL's last part, or a source named like a file
    (`start.sh`, `nginx.conf`); None for a folder, a pattern, or a name that may be either."""
    if source.startswith("<<"):
        return source.lstrip("<-").strip("'\"")
    if "://" in source:
        name = posixpath.basename(source.split("?", 1)[0].split("#", 1)[0].rstrip("/"))
        return name if name and not source.startswith("git@") and ".git" not in source else None
    name = posixpath.basename(source)
    looks = not GLOB.search(source) and not source.endswith("/") and "." in name.strip(".")
    return name if looks else None


def _change(command: ShellCommand) -> Change | None:
    if command.name not in ("chown", "chmod"):
        return None
    value: Word | None = None
    recursive: list[Word] = []
    paths: list[Word] = []
    unsupported = False
    ended = False
    for word in command.args:
        text = word.text
        is_mode = command.name == "chmod" and value is None and bool(SYMBOLIC.fullmatch(text))
        if not ended and text.startswith("-") and not is_mode:
            if text == "--":
                ended = True
            elif text == "--recursive" or (not text.startswith("--") and "R" in text):
                recursive.append(word)
            unsupported = unsupported or text.split("=", 1)[0] in UNSUPPORTED or (
                not text.startswith("--") and any(letter in "hHL" for letter in text[1:]))
        elif value is None:
            value = word
        else:
            paths.append(word)
    if value is None or not paths:
        return None
    return Change(command, command.name, value, recursive, paths, unsupported)


def _findings(model: Model, before: tuple[Place, ...], place: Place, run: Run, change: Change,
              added: list[Added]) -> Iterator[Finding]:
    home = run.env.get("HOME") or ("/root" if place.user.split(":", 1)[0] in ("", "root", "0") else None)
    cwd = _cwd_at(run, change.command, place.workdir, home)
    for word in change.paths:
        path = resolve_path(word.text, cwd, run.env, home) if cwd is not None else None
        if path is None or GLOB.search(path):
            continue
        covered = [a for a in added if _covers(change, path, a) and not _already_set(change, a) and (
            path in a.files or a.within(path) or not _touched_since(model, before, a, path))]
        if covered:
            yield _finding(model, before, place, run, change, word, path, covered)


def _cwd_at(run: Run, command: ShellCommand, workdir: str, home: str | None) -> str | None:
    """The working directory when ``command`` runs; None when a `cd` before it makes it unknown."""
    cwd = workdir
    for other in run.commands:
        if other is command:
            return cwd
        if other.name in ("cd", "pushd", "popd"):
            operands = [w for w in other.args if not w.text.startswith("-")]
            resolved = resolve_path(operands[0].text, cwd, run.env, home) if operands and other.name == "cd" else None
            if resolved is None:
                return None
            cwd = resolved
    return cwd


def _covers(change: Change, path: str, added: Added) -> bool:
    """Whether the command changes files ``added`` brought in (as far as the Dockerfile tells)."""
    if path in added.files or (path == added.either and (change.recursive or _maybe_file(path))):
        return True
    if change.recursive and added.within(path):
        return True
    # Inside a folder of unknown content: a recursive change of a subfolder, or a file by its name.
    return any(folder is not None and path != folder and is_under(path, folder)
               and (bool(change.recursive) or _file_name(path) is not None)
               for folder in (added.folder, added.either))


def _already_set(change: Change, added: Added) -> bool:
    """Whether the COPY already gives its files the owner or mode the command sets (nothing changes)."""
    flag = added.place.inst.flag(change.tool)
    if flag is None or flag.value is None:
        return False
    if change.tool == "chown":
        return flag.value == change.value.text
    return bool(OCTAL.fullmatch(flag.value) and OCTAL.fullmatch(change.value.text)
                and int(flag.value, 8) == int(change.value.text, 8))


def _maybe_file(path: str) -> bool:
    """Whether a path a COPY filled with a file or a folder is likely a file: a program in a `bin` folder, or
    a name with an extension (a plain `chmod` of a folder changes only the folder itself, which costs nothing)."""
    return posixpath.basename(posixpath.dirname(path)) in ("bin", "sbin", "libexec") or _file_name(path) is not None


def _touched_since(model: Model, before: tuple[Place, ...], added: Added, path: str) -> bool:
    """Whether a RUN after the COPY may have created ``path`` (inside the COPY's folder) itself."""
    runs = {id(run.instruction): run for run in model.runs}
    copied = next(i for i, place in enumerate(before) if place is added.place)
    return any((run := runs.get(id(place.inst))) is not None and _touches(run, place, path)
               for place in before[copied + 1 :])


def _finding(model: Model, before: tuple[Place, ...], place: Place, run: Run, change: Change, word: Word, path: str,
             covered: list[Added]) -> Finding:
    command = change.command
    flag = "--chown" if change.tool == "chown" else "--chmod"
    what = "owner" if change.tool == "chown" else "mode"
    keywords = _and([a.place.inst.keyword for a in covered])
    lines = _and([str(a.place.holder.start_line + 1) for a in covered])
    several = len(covered) > 1
    copies = f"{keywords}{'s' * several} on line{'s' * several} {lines}"
    shown = " ".join(w.raw for w in command.words)
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    message = (f"`{shown}` changes the {what} of files the {copies} added: the RUN stores a second copy of each "
               f"with the new {what}, the first stays in the earlier layer; set it while copying with "
               f"`{covered[-1].place.inst.keyword} {flag}=…`")
    fixes, reason = _fixes(model, before, place, run, change, word, path, covered)
    if reason:
        message += f" ({'not fixed automatically' if fixes else 'no automatic fix'}: {reason})"
    related = tuple(Related(a.place.holder.keyword_span, "the layer that already holds the files") for a in covered)
    return RULE.finding(command.span, message, *fixes, related=related)


def _fixes(model: Model, before: tuple[Place, ...], place: Place, run: Run, change: Change, word: Word, path: str,
           covered: list[Added]) -> tuple[list[Fix], str]:
    """The fixes (safe first) and why there is no safe one ("" when there is)."""
    if change.unsupported:
        return [], f"`{change.tool}` is used with an option COPY cannot express"
    if len(change.paths) > 1:
        return [], f"`{change.tool}` changes several paths"
    if "$" in change.value.raw or "$" in word.raw:
        return [], "it uses variables"
    is_file = len(covered) == 1 and covered[0].files == (path,) and covered[0].folder is None
    either = len(covered) == 1 and covered[0].either == path
    if not (is_file or either) and not all(a.dest == path for a in covered):
        keyword = covered[0].place.inst.keyword
        if all(a.within(path) for a in covered):
            return [], (f"{path} may hold more than the {keyword} added (from the base image or other "
                        f"instructions); `{keyword} {'--chown' if change.tool == 'chown' else '--chmod'}` would "
                        "leave that unchanged")
        return [], (f"`{keyword} {'--chown' if change.tool == 'chown' else '--chmod'}` would apply to everything the "
                    f"{keyword} adds; copy {path} on its own to set it there")
    flag_value, risk = _flag_value(change, covered)
    if flag_value is None:
        return [], risk
    folder_content = None if is_file else _other_content(model, before, covered, path)
    stage = next((a.place.stage for a in covered if a.place.stage is not place.stage
                  and shared_stages(model, a.place.stage, place.stage)), None)
    if stage is not None:
        risk = risk or f"another stage is built from or copies from stage `{stage.label}`, which the COPY changes"
    flags = []
    for copy in covered:
        existing = copy.place.inst.flag("chown" if change.tool == "chown" else "chmod")
        name = "--chown" if change.tool == "chown" else "--chmod"
        flags.append(Edit(existing.span, f"{name}={flag_value}") if existing is not None
                     else add_flag(copy.place.inst, f"{name}={flag_value}"))
    title = f"Use {covered[-1].place.inst.keyword} {'--chown' if change.tool == 'chown' else '--chmod'}={flag_value}"
    drop = _drop(model, place, run, change)
    fixes: list[Fix] = []
    if either:
        risk = f"whether {path} is a file or a folder is not known from the Dockerfile"
        return ([Fix(title, (*flags, *drop), safe=False)] if drop else []), risk
    if is_file:
        if drop is None:
            return [], f"the `{change.tool}` cannot be taken out of the RUN as it is written"
        return [Fix(title, (*flags, *drop), safe=risk == "")], risk
    if change.tool == "chmod":
        risk = risk or "with a folder, `--chmod` gives folders and files the same mode, and BuildKit versions differ"
        return ([Fix(title, (*flags, *drop), safe=False)] if drop else []), risk
    keep = _non_recursive(model, run, change)
    risk = risk or folder_content or ""
    if keep is not None:
        fixes.append(Fix(f"{title} and keep only the folder's own chown", (*flags, *keep), safe=risk == ""))
    if drop is not None:
        fixes.append(Fix(f"{title} and drop the chown (the folder itself keeps its owner)", (*flags, *drop),
                         safe=False))
    if not fixes:
        return [], f"the `{change.tool}` cannot be changed as it is written"
    return fixes, risk


def _flag_value(change: Change, covered: list[Added]) -> tuple[str | None, str]:
    """The --chown/--chmod value doing what the command does, and why it might not ("" when exact)."""
    value = change.value.text
    if change.tool == "chown":
        if not OWNER.fullmatch(value):
            return None, f"the owner `{value}` has no `COPY --chown` equivalent"
        if ":" in value:
            return value, ""
        # `chown user` keeps the group: root's, or the one an existing --chown gave.
        groups = {"0" if flag is None else (flag.value or "").partition(":")[2]
                  for flag in (a.place.inst.flag("chown") for a in covered)}
        if len(groups) > 1 or "" in groups or any("$" in group for group in groups):
            return None, f"`chown {value}` keeps the files' group, which the COPY does not name"
        return f"{value}:{groups.pop()}", ""
    if any(a.place.inst.keyword == "ADD" and any(ARCHIVE_SUFFIX.search(source) and "://" not in source
                                                   for source in a.place.inst.value[:-1]) for a in covered):
        return None, "`ADD` unpacks the archive, whose files keep their own modes"
    if OCTAL.fullmatch(value):
        return value, ""
    octal = _apply_symbolic(value, 0o644)
    if octal is None:
        return None, f"the mode `{value}` has no plain octal equivalent"
    return f"{octal:o}", (f"`{value}` is relative to each file's mode; `--chmod={octal:o}` is what it gives a file "
                          "of mode 644, the usual mode of files checked out by git")


def _apply_symbolic(mode: str, start: int) -> int | None:
    """Apply a symbolic chmod mode (``u+x``, ``+x``, ``go-w,u=rw`` …) to a file's mode."""
    result = start
    for clause in mode.split(","):
        match = SYMBOLIC.fullmatch(clause)
        if match is None:
            return None
        who, op, perms = match.groups()
        mask = 0
        for letter in who or "a":
            mask |= {"u": 0o700, "g": 0o070, "o": 0o007, "a": 0o777}[letter]
        bits = 0
        for perm in perms:
            if perm == "X" and not result & 0o111:
                continue
            bits |= {"r": 0o444, "w": 0o222, "x": 0o111, "X": 0o111}[perm]
        if not who:  # without `u`, `g`, `o` or `a`, the bits of the umask (022 in a build) are left alone
            if op == "=":
                return None
            bits &= ~0o022
        bits &= mask
        if op == "+":
            result |= bits
        elif op == "-":
            result &= ~bits
        else:
            result = (result & ~mask) | bits
    return result


def _other_content(model: Model, before: tuple[Place, ...], covered: list[Added], path: str) -> str | None:
    """Why the folder may hold more than the COPYs added (which `chown -R` changes and `--chown` not)."""
    copies = {id(a.place.inst) for a in covered}
    runs = {id(run.instruction): run for run in model.runs}
    for place in before:
        inst = place.inst
        if id(inst) in copies:
            continue
        line = place.holder.start_line + 1
        if inst.keyword == "WORKDIR" and inst.value:
            target = resolve_path(inst.value[0], place.workdir, place.scope, None)
            if target is None or (target != path and is_under(target, path)):
                return f"the WORKDIR on line {line} creates a folder inside {path}"
        if inst.keyword in ("COPY", "ADD") and len(inst.value) >= 2:
            target = resolve_path(inst.value[-1], place.workdir, place.scope, None)
            if target is None or is_under(target, path) or is_under(path, target):
                return f"the {inst.keyword} on line {line} also puts files there"
        run = runs.get(id(inst))
        if run is not None and _touches(run, place, path):
            return f"the RUN on line {line} may have put files into {path}"
    return None


def _touches(run: Run, place: Place, path: str) -> bool:
    if run.opaque:
        return True
    if is_under(place.workdir, path) and run.commands:
        return True
    home = run.env.get("HOME") or "/root"
    for command in run.commands:
        for word in command.args:
            text = word.text.partition("=")[2] if word.text.startswith("--") else word.text
            if text.startswith("/") or text.startswith("~") or "$" in text:
                resolved = resolve_path(text, place.workdir, run.env, home)
                if resolved is None or is_under(resolved, path) or (resolved != "/" and is_under(path, resolved)):
                    return True
        if command.name in ("cd", "pushd"):
            return True  # where the commands after it run is not followed
    return False


def _drop(model: Model, place: Place, run: Run, change: Change) -> tuple[Edit, ...] | None:
    """Remove the command, or the whole RUN when it is all the RUN does."""
    others = [c for c in run.commands if c is not change.command and c.name not in ("set", "true", ":")]
    if not others:
        return (delete_instruction(model.text, place.holder),)
    edit = remove_command(model.text, run.instruction, change.command)
    return (edit,) if edit is not None else None


def _non_recursive(model: Model, run: Run, change: Change) -> tuple[Edit, ...] | None:
    """Take the recursion out of the command: drop `--recursive`/`-R`, or the R of `-Rv`."""
    if run.instruction.json:
        return None
    edits = []
    for word in change.recursive:
        if word.text in ("-R", "--recursive") and word.raw == word.text:
            edits.append(Edit(Span(_blank_before(model.text, word.span.start), word.span.end), ""))
        elif word.raw == word.text and not word.text.startswith("--"):
            edits.append(Edit(word.span, word.text.replace("R", "")))
        else:
            return None
    return tuple(edits)


def _blank_before(text: str, offset: int) -> int:
    while offset > 0 and text[offset - 1] in " \t":
        offset -= 1
    return offset


def _and(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


RULE = Rule(
    id="DKL010",
    name="chown-in-later-layer",
    summary="chown/chmod in a RUN over files a COPY added stores them twice",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
)
