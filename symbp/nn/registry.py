"""A small named registry with close-match suggestions for unknown names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from ..errors import UnknownName

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def add(self, item: T) -> T:
        self._items[item.name] = item  # type: ignore[attr-defined]
        return item

    def get(self, name: str, option: str | None = None) -> T:
        if name not in self._items:
            raise UnknownName(self.kind, name, self._items, option=option)
        return self._items[name]

    def __contains__(self, name: str) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def names(self) -> list[str]:
        return list(self._items)
