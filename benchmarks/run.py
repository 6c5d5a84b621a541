"""Run the benchmark: ``python benchmarks/run.py --loans 1000000 [--months 12] [--json]`` (see benchmarks/README.md).

The same as ``python -m analytics bench``. With ``--pages-only`` it times the interactive budget instead: every
page of the app rerun after a widget change (the language switch) with Streamlit's AppTest on a fresh demo
database, printing one JSON list (``analytics.bench`` runs this mode in a subprocess: ``analytics`` never imports
streamlit).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from analytics import bench, store  # noqa: E402


def _widgets(at) -> list:
    """The page's select boxes with two options or more, then its checkboxes (the candidates to change)."""
    return [w for w in at.main.selectbox if len(w.options) >= 2] + list(at.main.checkbox)


def _change(widget, i: int) -> None:
    if widget.type == "checkbox":
        widget.set_value(i % 2 == 0)
    else:
        widget.select_index(i % 2)


def _fresh(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.run()
    return at.switch_page(page).run()


def _usable_widget(page: str) -> tuple[object, int | None]:
    """An AppTest on ``page`` and the index (in ``_widgets``) of the first widget AppTest can change and rerun
    without error, both changes done once (warm caches). AppTest cannot set select boxes whose options are
    objects shown through ``format_func``: such a widget spoils its session, so each try starts afresh."""
    at = _fresh(page)
    for k in range(len(_widgets(at))):
        try:
            for i in range(2):
                _change(_widgets(at)[k], i)
                at.run()
            if not at.exception:
                return at, k
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        at = _fresh(page)
    return at, None


def page_reruns(repeat: int) -> list[dict]:
    """Per page: seconds of ``repeat`` reruns each after a widget change, and the peak memory (MB).

    AppTest runs a page's script directly after ``switch_page`` (without app.py's sidebar). The first two changes
    warm the caches (a value seen for the first time computes its figures once), the next ``repeat`` are timed."""
    from analytics.sample import build_demo

    folder = Path(tempfile.mkdtemp(prefix="risklab-pages-"))
    db = folder / "risklab.duckdb"
    con = store.connect(db)
    build_demo(con)
    con.close()
    os.environ["RISKLAB_DB"] = str(db)
    pages = re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', (PROJECT / "app.py").read_text(encoding="utf-8"))
    rows = []
    for page in pages:
        at, k = _usable_widget(page)
        bench.reset_peak()
        seconds, changed = [], ""
        for i in range(repeat):
            if k is not None:
                widget = _widgets(at)[k]
                _change(widget, i)
                changed = widget.key or widget.label
            began = time.perf_counter()
            at.run()
            seconds.append(time.perf_counter() - began)
            if at.exception:
                raise RuntimeError(f"{page}: {at.exception[0].value}")
        rows.append(
            {"name": f"page_{Path(page).stem}", "seconds": seconds, "peak_mb": bench.peak_mb(), "widget": changed}
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_arguments(parser)
    parser.add_argument("--pages-only", action="store_true", help="time the page reruns only (JSON list)")
    args = parser.parse_args()
    if args.pages_only:
        print(json.dumps(page_reruns(max(args.repeat, 1))))
        return 0
    return bench.main_args(args)


if __name__ == "__main__":
    raise SystemExit(main())
