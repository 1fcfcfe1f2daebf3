"""Keeps the API's names on the package when submodules of the same names are imported.

``analyzer.profile`` is the function a notebook calls and also a subpackage (so may be
``analyzer.suggest`` and ``analyzer.check``). Importing a submodule sets it as an attribute of its
parent, which would replace the function the first time the engine imports it. The package's
class refuses exactly that assignment: the submodules stay importable by name (``from
analyzer.profile.column import ColumnState`` reads ``sys.modules``), the attribute stays the function.
"""

from __future__ import annotations

import sys
import types


class ApiPackage(types.ModuleType):
    api_names: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value) -> None:
        if name in type(self).api_names and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


def keep_api_names(package_name: str, names: tuple[str, ...]) -> None:
    package = sys.modules[package_name]
    package.__class__ = type("ApiPackage", (ApiPackage,), {"api_names": frozenset(names)})
