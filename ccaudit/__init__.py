"""ccaudit: compliance-as-code linter for AI agents in customer contact centers."""

__version__ = "0.1.0"
