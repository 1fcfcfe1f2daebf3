"""Errors that end a job with a one-line message the user can act on."""


class AnalyzerError(Exception):
    """A failure whose message is written to /opt/ml/output/message as it is."""


class ConfigError(AnalyzerError):
    """The job's environment or arguments are wrong."""


class InputError(AnalyzerError):
    """The dataset cannot be analyzed."""


class ScriptError(AnalyzerError):
    """A user's preprocess_handler or postprocess_handler failed or is missing."""


class RowError(InputError):
    """A value the analysis cannot use, at ``row`` of a batch; the profile job adds its file:line."""

    def __init__(self, message: str, row: int):
        super().__init__(message)
        self.row = row


class TooManyColumns(InputError):
    """A batch wider than max_columns; the profile job adds the file it came from."""


class TooManySkipped(InputError):
    """More records were skipped than max_skipped_fraction allows."""


class OutputError(AnalyzerError):
    """A report could not be written (a full disk, a file size limit, a link in the way)."""
