"""Helpers for tests that import the hand-written exports under tests/fixtures/exports."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
GAPBOT = Path(sys.executable).parent / "gapbot"

# The fixture files, how the tests import them: (file, --site, write as UTF-16).
SCENARIO = (
    ("ahrefs-rival-a-backlinks.tsv", None, True),
    ("semrush-rival-b-backlinks.csv", None, False),
    ("ahrefs-rival-c-refdomains.tsv", "rival-c.com", True),
    ("gsc-mysite-top-linking-sites.csv", "mysite.com", False),
    ("gsc-mysite-latest-links.csv", "mysite.com", False),
    ("generic-links.csv", None, False),
)


def export_copy(name: str, folder: Path, *, utf16: bool = False, crlf: bool = False) -> Path:
    """A copy of a fixture export in `folder`, re-encoded as UTF-16 with BOM if asked, with
    CRLF line ends if asked (as most tools write them)."""
    text = (EXPORTS / name).read_text(encoding="utf-8")
    if crlf:
        text = text.replace("\n", "\r\n")
    path = folder / name
    path.write_text(text, encoding="utf-16" if utf16 else "utf-8", newline="")
    return path


def run_gapbot(
    home: Path,
    *args: str | Path,
    env: dict[str, str] | None = None,
    real_process: bool = False,
    stdin: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """`gapbot ARGS...` with GAPBOT_HOME set to `home` (and `env` added), from `home`, its
    input the file descriptor `stdin` if given (a terminal, say).

    It runs `bot.cli.main` in this process, its output captured, as the entry point would
    (a new interpreter per command would be most of the suite's time); `real_process` runs
    the installed `gapbot` entry point instead, for what only a process shows.
    """
    env = {**os.environ, "GAPBOT_HOME": str(home), "GAPBOT_LINK_SOURCE": "local", **(env or {})}
    env.pop("GAPBOT_DATABASE_URL", None)
    argv = [str(GAPBOT), *map(str, args)]
    if real_process:
        return subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=120, cwd=home, stdin=stdin
        )
    return _in_process(home, argv, env, stdin)


def _in_process(
    home: Path, argv: list[str], env: dict[str, str], stdin: int | None
) -> subprocess.CompletedProcess[str]:
    from bot.cli import main

    saved_env, saved_cwd, saved_argv = dict(os.environ), Path.cwd(), sys.argv
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(home)
    sys.argv = ["gapbot", *argv[1:]]
    status = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _input(stdin):
            try:
                main()
            except SystemExit as exit:
                if isinstance(exit.code, str):
                    err.write(exit.code + "\n")
                status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        sys.argv = saved_argv
    return subprocess.CompletedProcess(argv, status, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _input(descriptor: int | None) -> Iterator[None]:
    """sys.stdin reading from `descriptor` (None: as it is); the descriptor stays open."""
    if descriptor is None:
        yield
        return
    saved = sys.stdin
    try:
        with open(descriptor, closefd=False) as sys.stdin:
            yield
    finally:
        sys.stdin = saved
