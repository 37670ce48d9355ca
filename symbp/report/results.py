"""Training results for the coursework appendix: ``DIR/*/metrics.json`` (and ``DIR/metrics.json``).

``symbp train --out DIR`` writes a ``metrics.json`` per run.  Its exact fields
belong to the trainer, so this reads any JSON object: numbers and short strings
are shown as they are, a short list of numbers in full (``784, 100, 10``), a
long one (a curve) by its last value and length, nested objects flattened with dotted keys.  A missing folder means
no appendix; an unreadable file is an :class:`InputError`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from .tex import escape

MAX_ROWS = 40
SHORT_LIST = 8


def _fmt(value) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value if len(value) <= 60 else value[:57] + "..."
    if isinstance(value, list) and value and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        if len(value) <= SHORT_LIST:  # a setting such as layers = [784, 100, 10]
            return ", ".join(_fmt(v) for v in value)
        return f"{_fmt(value[-1])} (last of {len(value)})"  # a curve: its final value
    return None


def _flatten(obj: dict, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += _flatten(value, name + ".")
        else:
            text = _fmt(value)
            if text is not None:
                rows.append((name, text))
    return rows


def load_results(folder) -> tuple[list, str]:
    """``([RunView, ...], folder as text)``; empty when ``folder`` is None or missing."""
    from .render import RunView

    if folder is None:
        return [], ""
    folder = Path(folder)
    if not folder.is_dir():
        return [], str(folder)
    files = sorted(folder.glob("*/metrics.json"))
    if (folder / "metrics.json").is_file():
        files.insert(0, folder / "metrics.json")
    runs = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read training results: {exc}", where=str(f),
                             hint="fix or remove that metrics.json, or drop --results") from None
        if not isinstance(data, dict):
            raise InputError("metrics.json is not a JSON object", where=str(f))
        rows = [(escape(k), escape(v)) for k, v in _flatten(data)][:MAX_ROWS]
        name = f.parent.name if f.parent != folder else folder.name
        runs.append(RunView(escape(name), rows))
    return runs, str(folder)
