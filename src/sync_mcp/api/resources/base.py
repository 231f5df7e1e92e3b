"""What every resource is: one endpoint group bound to the client it was reached through (`Resource`), and the
client attribute that makes one on first use (`ResourceOf`). What a resource asks of its client is `Requester`,
so no resource module imports the client (which mixes the resources in): the two never import each other.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

import httpx

if TYPE_CHECKING:
    from ..replies import Reply


class Requester(Protocol):
    """What a resource uses of `SyncClient`: its request path, its key-less pool, its defaults."""

    default_webhook_url: str | None

    @property
    def http(self) -> httpx.AsyncClient: ...

    @property
    def assets(self) -> Any: ...

    """The assets resource (uploads register what they send there)."""

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...

    async def request_reply(self, method: str, path: str, **kwargs: Any) -> Reply: ...

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def stream(self, path: str, **kwargs: Any) -> AbstractAsyncContextManager[httpx.Response]: ...

    def scrub(self, value: Any) -> Any: ...


class Resource:
    """One endpoint group, bound to the client it was reached through."""

    def __init__(self, client: Requester) -> None:
        self._client = client


R = TypeVar("R", bound=Resource)


class ResourceOf(Generic[R]):
    """A client attribute that is a resource: its module is imported on first use, and each read is a new view
    bound to the client read from (so a `bound(...)` copy never reaches the API with the original's key)."""

    def __init__(self, name: str, *, module: str | None = None) -> None:
        self._class, self._module = name, module

    def __set_name__(self, owner: type, attribute: str) -> None:
        self._module = self._module or attribute

    @overload
    def __get__(self, client: None, owner: type) -> ResourceOf[R]: ...
    @overload
    def __get__(self, client: Requester, owner: type) -> R: ...
    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self
        return getattr(import_module(f".{self._module}", __package__), self._class)(client)
