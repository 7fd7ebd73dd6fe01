"""Errors that stop a run before or instead of checking: each becomes one line on stderr and exit 2."""

from __future__ import annotations


class Stop(Exception):
    """A usage, configuration, ruleset or baseline error (exit 2)."""

    prefix = ""

    def __str__(self) -> str:
        return self.prefix + super().__str__()


class PathNotFound(Stop):
    """A PATH on the command line does not exist."""

    prefix = "path does not exist: "


class RulesetError(Stop):
    """A ruleset or catalog that cannot be used."""

    prefix = "ruleset: "


class ConfigError(Stop):
    """A configuration that cannot be used."""


class BaselineError(Stop):
    """A baseline file that cannot be read."""


class InternalError(Exception):
    """A defect met while checking one file (exit 2); it names the file, and crosses processes."""
