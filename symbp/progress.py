"""Progress for long loops (training epochs, verifying the catalog): tqdm, shown only where
it can be drawn.

On a terminal or in a Jupyter kernel a live tqdm bar; anywhere else (CI logs, pipes, files)
no bar at all, so a log gets the caller's plain lines instead of hundreds of carriage-return
updates.  tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys


def live(stream) -> bool:
    """True when ``stream`` can show a live bar: a terminal, or a Jupyter kernel's output."""
    if stream is None:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


def bar(stream, total: int, desc: str, unit: str = "it"):
    """A tqdm bar on ``stream`` when :func:`live`, else ``None``."""
    if not live(stream):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=stream, leave=True,
                dynamic_ncols=True, mininterval=0.2)


def write(stream, msg: str) -> None:
    """One line on ``stream`` that does not break a live bar."""
    if live(stream):
        from tqdm import tqdm

        tqdm.write(msg, file=stream)
    else:
        stream.write(msg + "\n")
        stream.flush()
