"""Helpers for tests that import the hand-written exports under tests/fixtures/exports."""

from __future__ import annotations

import os
import subprocess
import sys
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


def export_copy(name: str, folder: Path, *, utf16: bool = False) -> Path:
    """A copy of a fixture export in `folder`, re-encoded as UTF-16 with BOM if asked."""
    text = (EXPORTS / name).read_text(encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-16" if utf16 else "utf-8", newline="")
    return path


def run_gapbot(
    home: Path, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real `gapbot` entry point, with GAPBOT_HOME set to `home` (and `env` added)."""
    env = {**os.environ, "GAPBOT_HOME": str(home), "GAPBOT_LINK_SOURCE": "local", **(env or {})}
    env.pop("GAPBOT_DATABASE_URL", None)
    return subprocess.run(
        [str(GAPBOT), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=home,
    )
