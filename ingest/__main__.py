"""`python -m ingest`: sync the corpus folder into the index and print a summary.

Exit codes: 0 done; 1 some files failed (the rest were ingested, and the failed
files' earlier chunks kept); 2 bad arguments; 3 the corpus, the store or the
lock stood in the way, and nothing was written.

    $ python -m ingest --corpus corpus
    Ingested corpus into data/chroma
    files:  3 seen, 3 added, 0 updated, 0 unchanged, 0 deleted, 0 failed
    ...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.errors import CorpusError, EmbeddingModelError, IngestBusy, StoreError
from ingest.index import ingest
from ingest.settings import Settings, get_settings


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", metavar="DIR", help="folder to ingest (default: CORPUS_DIR)")
    parser.add_argument("--rebuild", action="store_true", help="delete the index and start over")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another running ingest instead of exiting")
    parser.add_argument("-v", "--verbose", action="store_true", help="print a line per file")
    args = parser.parse_args(argv)
    settings = settings or get_settings()
    if args.corpus:
        settings = settings.model_copy(update={"corpus_dir": Path(args.corpus)})

    def log(message: str) -> None:
        if args.verbose:
            print(message, flush=True)

    try:
        report = ingest(settings, rebuild=args.rebuild, wait=args.wait, log=log)
    except (CorpusError, IngestBusy, StoreError, EmbeddingModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    for source, reason in report.skipped:
        print(f"skipped {source}: {reason}", file=sys.stderr)
    for source, reason in report.failed:
        print(f"failed {source}: {reason} (its earlier chunks, if any, are kept)", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
