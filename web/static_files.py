"""Where the stylesheet lives: served by the app itself, never from a CDN."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
