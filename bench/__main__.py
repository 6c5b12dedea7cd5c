"""`python -m bench`: run the benchmarks and write bench/results.md (see bench/runner.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.benchmarks import ALL
from bench.report import render
from bench.runner import Options, run


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    defaults = Options()
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--duration", type=float, default=defaults.duration_s,
                        help="seconds per side per round (whole seconds)")  # fmt: skip
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s)
    parser.add_argument("--workers", type=int, default=0, help="default 2 x cores + 1")
    parser.add_argument("--connections", type=int, default=0, help="default 2 x workers")
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--invoices", type=int, default=defaults.invoices)
    parser.add_argument("--output", type=Path, default=defaults.output)
    parser.add_argument("--workdir", type=Path, default=defaults.workdir)
    parser.add_argument("--database", default=defaults.database)
    parser.add_argument("--redis-db", type=int, default=defaults.redis_db)
    parser.add_argument("--only", action="append", default=[],
                        choices=[b.name for b in ALL])  # fmt: skip
    parser.add_argument(
        "--profile",
        default="",
        choices=["", *(b.name for b in ALL)],
        help="sample our server with py-spy during this benchmark's rounds",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one 1 s round per benchmark, no warm-up, for `make test`: proves the harness works",
    )
    args = parser.parse_args(argv)
    options = Options(
        rounds=args.rounds,
        duration_s=args.duration,
        warmup_s=args.warmup,
        workers=args.workers,
        connections=args.connections,
        threads=args.threads,
        invoices=args.invoices,
        output=args.output,
        workdir=args.workdir,
        database=args.database,
        redis_db=args.redis_db,
        only=args.only,
        quick=args.quick,
        profile=args.profile,
    )
    if args.quick:
        options.rounds, options.duration_s, options.warmup_s, options.invoices = 1, 1, 0, 2
    return options


def main(argv: list[str]) -> int:
    result = run(parse(argv))
    text = render(result)
    print(text, flush=True)
    result.options.output.parent.mkdir(parents=True, exist_ok=True)
    result.options.output.write_text(text)
    print(f"bench | wrote {result.options.output}", flush=True)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
