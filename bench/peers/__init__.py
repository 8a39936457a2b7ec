"""The two peers ``bench/quality.py`` puts beside the library: what a user of instructor
or of LangExtract writes for the same task, on the same server and articles.

Plain modules, importable from both interpreters: :mod:`peers.cache` and
:mod:`peers.langextract_worker` also run in ``bench/.venv-peers`` (LangExtract's
dependencies would change versions in the project's venv), so they import nothing of
the project but :mod:`summarizer.cache.disk`.
"""
