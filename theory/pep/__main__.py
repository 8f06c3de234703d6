"""python -m ratecheck.theory.pep [IDS...] [--small] [--write docs/certification.md]

Runs the full certification grid (the docs table) by default; exits 1 if a bound fails, 2 without PEPit.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .certify import PepUnavailable, certify_all
from .report import markdown, print_reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ratecheck.theory.pep", description=__doc__)
    parser.add_argument("ids", nargs="*", help="bound ids (default: every certifiable bound)")
    parser.add_argument("--small", action="store_true", help="the small CI grid instead of the full one")
    parser.add_argument("--write", type=Path, metavar="PATH", help="write the Markdown report to PATH")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        reports = certify_all(args.ids or None, full=not args.small)
    except PepUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    print_reports(reports)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(markdown(reports, full=not args.small, seconds=time.perf_counter() - start))
        print(f"wrote {args.write}")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
