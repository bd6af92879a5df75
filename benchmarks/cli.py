"""Benchmark CLI start-up: three commands against a bare interpreter start, in one run.

What: wall time of ``python -c pass`` (the baseline), ``forecasts --help``, ``forecasts
question list`` and ``forecasts forecast add`` on a small SQLite file (10 questions, one
forecaster), each the best of N runs (default 7) so that a busy neighbour inflates neither
side. The commands run through the installed console script, as a user runs them. Prints
one JSON object with each command's best time and its ratio to the baseline, and the
targets of the architecture issue (``--help`` <= 8x, ``question list`` <= 15x,
``forecast add`` <= 20x).

To run::

    .venv/bin/python benchmarks/cli.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"help": 8.0, "question list": 15.0, "forecast add": 20.0}


def _compile_bytecode() -> None:
    """Write the project's bytecode first, as an installed package has it: where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it) every run would otherwise compile
    the project's sources again, which no installed copy does."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in ("forecasts", "scoring", "sources"):
        compileall.compile_dir(root / package, quiet=1)


def _best(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("forecasts"))
    _compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        subprocess.run([cli, "forecaster", "add", "me", "--name", "Me", "--db", db], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        for i in range(10):
            subprocess.run(
                [cli, "question", "add", "--id", f"Q{i}", "--kind", "binary", "--title", "t",
                 "--closes", "2099-01-01", "--resolve-on", "2099-01-02", "--db", db],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        commands = {
            "help": [cli, "--help"],
            "question list": [cli, "question", "list", "--db", db],
            "forecast add": [cli, "forecast", "add", "Q1", "--by", "me", "--p", "0.6", "--db", db],
        }
        # Interleave baseline and commands so that load changes hit both alike.
        baseline = _best([sys.executable, "-c", "pass"], args.repeat)
        results = {name: _best(argv, args.repeat) for name, argv in commands.items()}
        baseline = min(baseline, _best([sys.executable, "-c", "pass"], args.repeat))
    report = {
        "benchmark": "cli_startup",
        "python": platform.python_version(),
        "repeat": args.repeat,
        "bytecode": "compiled before measuring",
        "baseline_python_pass_s": round(baseline, 4),
        "commands": {
            name: {
                "best_s": round(seconds, 4),
                "ratio": round(seconds / baseline, 2),
                "target_ratio": TARGETS[name],
                "met": seconds / baseline <= TARGETS[name],
            }
            for name, seconds in results.items()
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
