"""Start-up benchmark: how long ``pleval`` takes when it has little or nothing to do.

Runs each command in a new process, as the installed ``pleval`` script does, and prints its wall time:

- ``pleval --help`` and ``pleval validate`` (on the sample project), each as a ratio against the floor of
  starting Python at all (``python -c pass``), measured in the same run;
- ``pleval code`` on a generated corpus (the one of ``bench_coding.py``: at least 2M words, not the sample)
  from scratch (empty outputs/) and cached (nothing changed since the run before), and the ratio of the two
  (target: the cached run at least 20x faster).

Every timing is the best of several rounds; each round times every command in turn (the quick ones several
times: a fraction of a second is easily lost to another process on a shared machine), so that both sides of a
ratio are measured under the same conditions. Commands run with their modules' bytecode cached, as installed
(``PYTHONDONTWRITEBYTECODE`` is unset for them: the first run writes it). Last, each quick command is run once
more under ``python -X importtime`` to list the heavy libraries it imported (none is the aim).

Usage: python benchmarks/bench_startup.py [--words 2000000] [--seed 7] [--rounds 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coding import REPO, generate  # noqa: E402  (the corpus generator, beside this script)

#: What the installed ``pleval`` script runs (see [project.scripts] in pyproject.toml).
PLEVAL = [sys.executable, "-c", "import sys; from pleval.cli import main; sys.exit(main())"]
HEAVY = ("spacy", "sklearn", "matplotlib", "pandas", "scipy")
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _run(command: list[str], *, ok=(0,), repeat: int = 1) -> float:
    """The best wall time of ``repeat`` runs of a command."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
        best = min(best, time.perf_counter() - start)
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(command[3:] or command)} failed ({done.returncode}):\n{done.stderr}")
    return best


def _heavy_imports(command: list[str]) -> list[str]:
    """The heavy libraries a command imports (from ``-X importtime``, which lists every module imported)."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=ENV)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return [name for name in HEAVY if name in imported]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of timings; each timing is the best round")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each quick command in a round")
    args = parser.parse_args()

    corpus = generate(args.words, args.seed, REPO / "data" / "codebook.yaml")
    floor = [sys.executable, "-c", "pass"]
    commands = {
        "pleval --help": [*PLEVAL, "--help"],
        "pleval validate (sample)": [*PLEVAL, "validate", "--project", str(REPO)],
    }
    code = [*PLEVAL, "code", "--project", str(corpus.root), "--no-progress"]
    best = dict.fromkeys(["floor", *commands, "scratch", "cached"], float("inf"))
    for _ in range(args.rounds):
        best["floor"] = min(best["floor"], _run(floor, repeat=args.repeat))
        for name, command in commands.items():  # (exit code 1: the project has problems, listed)
            best[name] = min(best[name], _run(command, ok=(0, 1), repeat=args.repeat))
        shutil.rmtree(corpus.outputs, ignore_errors=True)
        best["scratch"] = min(best["scratch"], _run(code))
        best["cached"] = min(best["cached"], _run(code, repeat=args.repeat))

    words = sum(len(p.read_text(encoding="utf-8").split()) for p in corpus.transcripts_dir.iterdir())
    files = len(os.listdir(corpus.transcripts_dir))
    print(f"corpus: {files} transcripts, about {words:,} words; every timing is the best of {args.rounds} rounds "
          f"(of {args.repeat} runs each for all but the first coding)")
    print(f"{'python -c pass (floor)':34s}: {best['floor']:6.2f} s")
    for name, key in [*((name, name) for name in commands), ("pleval code, from scratch", "scratch"),
                      ("pleval code, cached", "cached")]:
        print(f"{name:34s}: {best[key]:6.2f} s  ({best[key] / best['floor']:.1f}x the floor)")
    print(f"ratio from scratch/cached          : {best['scratch'] / best['cached']:.1f}x  (target >= 20x)")
    for name, command in [*commands.items(), ("pleval code, cached", code)]:
        heavy = _heavy_imports(command)
        print(f"{name} imports: {', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}")


if __name__ == "__main__":
    main()
