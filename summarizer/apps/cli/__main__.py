"""``python -m summarizer.apps.cli``: the same as the ``summarizer`` command."""

from summarizer.apps.cli import main

main()
