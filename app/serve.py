"""`python -m app.serve`: bring the index up to date, then serve the chat; see `app.web`."""

from app.web import main

if __name__ == "__main__":
    raise SystemExit(main())
