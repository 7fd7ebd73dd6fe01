"""Authoring: `ccaudit fix` and `ccaudit init` (ruamel.yaml, imported only here)."""
