"""The Python API behind ``analyzer.profile``, ``analyzer.suggest`` and ``analyzer.check``.

Each call runs the same engine as the command line (readers or in-memory columns -> profile ->
statistics -> suggested constraints -> checks -> report) and returns the same documents.
"""
