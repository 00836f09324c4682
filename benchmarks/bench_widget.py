"""How fast the coding widget answers each action on the sample project (target: at most 100 ms each).

An action is what a click runs in the kernel: the session method (which writes and fsyncs the coder's log,
then re-reads it) and the widget's redraw. The floor is a bare append of one decision to a log (open, lock,
write, fsync), measured in the same run; each action is printed as milliseconds and as a ratio to it.
Browser round trips (a few ms on a local JupyterLab) are not included.

    python benchmarks/bench_widget.py [--repeat 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from pleval.coding.run import code_project  # noqa: E402
from pleval.coding.store import CodingLog  # noqa: E402
from pleval.project import Project  # noqa: E402
from pleval.review.widget import coding_widget  # noqa: E402

TARGET_MS = 100
LONG_LOG = 20_000


def timed(action, repeat: int, before=None) -> list[float]:
    """Milliseconds per call of ``action``; ``before`` (not timed) sets up each call."""
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "data", root / "data")
        project = Project.open(root)
        code_project(project, progress=False)  # the rules' cache, as after `pleval code`

        log = CodingLog(root / "data" / "codings", "floor")
        floor = timed(lambda: log.append("memo", memo="x"), args.repeat)

        start = time.perf_counter()
        widget = coding_widget(project, "bench")
        opened = (time.perf_counter() - start) * 1000
        session = widget.session
        session.next_suggestion()
        first_code = next(iter(widget.code_buttons))

        def toggle():
            button = widget.code_buttons[first_code]
            button.value = not button.value

        def to_next_suggestion():
            session.next_suggestion()
            widget.render()

        def to_next_turn():
            session.next()
            widget.render()

        def accept():
            widget.suggestions.children[0].children[0].click()

        def sentences():
            widget.sentences.value = tuple(s.id for s in session.current.sentences[:2])
            widget.apply_sentences.click()

        def memo():
            widget.memo.value = f"memo {time.time()}"
            widget.save_memo.click()

        def shortcut(key):
            return lambda: setattr(widget.shortcut, "value", key)

        actions = {
            "toggle a code (apply/remove)": (toggle, None),
            "accept a suggestion": (accept, to_next_suggestion),
            "apply to chosen sentences": (sentences, to_next_turn),
            "save a memo": (memo, None),
            "undo": (shortcut("z"), None),
            "next turn": (shortcut("n"), None),
            "previous turn": (shortcut("p"), None),
            "next uncoded": (shortcut("u"), None),
            "next suggestion": (shortcut("s"), None),
            "done, next uncoded": (shortcut("d"), None),
        }
        results = {}
        for name, (action, before) in actions.items():
            results[name] = timed(action, args.repeat, before)
        widget.filter_role.value = "teacher"
        results["filter by role"] = timed(lambda: (setattr(widget.filter_role, "value", "principal"),
                                                   setattr(widget.filter_role, "value", "teacher")), args.repeat)
        decisions = len(CodingLog(root / "data" / "codings", "bench").replay().events)

        # A long-running coder: the log holds LONG_LOG decisions; actions must not slow down with it.
        turns = [session.segments[sid] for sid in session.pool]
        many = [session._fields(turns[i % len(turns)], turns[i % len(turns)].start, turns[i % len(turns)].end,
                                code_id=session.codebook.code_ids[i % len(session.codebook.code_ids)])
                for i in range(LONG_LOG)]
        session.log.append_many("apply", many)
        start = time.perf_counter()
        widget = coding_widget(project, "bench")
        reopened = (time.perf_counter() - start) * 1000
        results[f"toggle, log of {LONG_LOG:,} decisions"] = timed(toggle, args.repeat)

    floor_ms = statistics.median(floor)
    print(f"sample project: {len(session.pool)} participant turns; log grew to {decisions} decisions during the run")
    print(f"floor (one fsync'd append): median {floor_ms:.2f} ms")
    print(f"open the widget (session, cached rules): {opened:.0f} ms; "
          f"reopen with a {LONG_LOG:,}-decision log: {reopened:.0f} ms")
    print(f"{'action':34} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'x floor':>8}  target <= {TARGET_MS} ms")
    worst = 0.0
    for name, times in results.items():
        p95 = statistics.quantiles(times, n=20)[-1]
        worst = max(worst, p95)
        print(f"{name:34} {statistics.median(times):10.1f} {p95:8.1f} {max(times):8.1f} "
              f"{statistics.median(times) / floor_ms:8.1f}")
    print(f"worst p95: {worst:.1f} ms -> {'met' if worst <= TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
