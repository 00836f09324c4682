"""``python -m pleval``: the ``pleval`` command."""

from pleval.cli import main

if __name__ == "__main__":
    main(prog_name="pleval")
