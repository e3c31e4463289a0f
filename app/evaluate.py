"""`python -m app.evaluate CASES --out DIR`: batch evaluation; see `app.evaluation`."""

from app.evaluation import main

if __name__ == "__main__":
    raise SystemExit(main())
