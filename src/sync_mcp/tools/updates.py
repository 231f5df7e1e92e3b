"""Telling subscribed clients that a generation changed, on both protocol eras.

A client that watches `sync://generations/{id}` gets `notifications/resources/updated` when this server
sees the generation's status change: while a wait polls it, when a task or a resource read fetches it,
or when a webhook delivers it. Two delivery paths exist, one per era:

- 2026-07-28: `subscriptions/listen` streams, fed by the server's `SubscriptionBus` (`bus` here is the
  one the server was built with, so events can also be published from outside any request).
- 2025-11-25 handshake: `resources/subscribe` per connection; the update goes out on that connection's
  standalone stream, whichever request observed the change.

Watching is checked before it is registered, on both eras (server/resources.py): the subscriber's own key
must be able to read the generation, so no user hears when another user's job changes.

Only real changes are published: the last status seen per generation is remembered (bounded), and a
repeated sighting (a second poll, a replayed webhook) publishes nothing. A generation first seen in a
terminal status counts as a change, since a job reaches its terminal status only once.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from typing import Any

from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated, SubscriptionBus

from sync_mcp.api import Generation
from sync_mcp.api.capabilities import TERMINAL_STATUSES

logger = logging.getLogger(__name__)

REMEMBERED_GENERATIONS = 10_000


GENERATION_URI_PREFIX = "sync://generations/"


def generation_uri(generation_id: str) -> str:
    """The MCP resource of one generation (served by the server's `sync://generations/{id}` template)."""
    return f"{GENERATION_URI_PREFIX}{generation_id}"


def generation_id_of(uri: str) -> str | None:
    """The generation id a `sync://generations/{id}` URI names (None for any other URI). The id is not
    checked here: reading it is (a malformed id reads as not found)."""
    if not uri.startswith(GENERATION_URI_PREFIX):
        return None
    return uri[len(GENERATION_URI_PREFIX) :]


class GenerationUpdates:
    """The server's one place to record sightings of generations and publish their changes."""

    def __init__(self, bus: SubscriptionBus | None = None) -> None:
        self.bus: SubscriptionBus = bus or InMemorySubscriptionBus()
        self._last_status: OrderedDict[str, str] = OrderedDict()
        # uri -> {id(connection): connection}; connections are the SDK's per-client objects (legacy era)
        self._legacy: dict[str, weakref.WeakValueDictionary[int, Any]] = {}
        self._cleanup_registered: weakref.WeakSet[Any] = weakref.WeakSet()

    # ------------------------------------------------------------------------------------ sightings

    def record(self, generation: Generation) -> bool:
        """Remember the status seen; True when it is news (see the module docstring)."""
        previous = self._last_status.pop(generation.id, None)
        self._last_status[generation.id] = generation.status
        while len(self._last_status) > REMEMBERED_GENERATIONS:
            self._last_status.popitem(last=False)
        if previous is None:
            return generation.status in TERMINAL_STATUSES
        return previous != generation.status

    async def observe(self, generation: Generation) -> None:
        """A sighting of `generation`: publish `resources/updated` to its watchers if the status changed."""
        if self.record(generation):
            await self.publish(generation.id)

    async def publish(self, generation_id: str) -> None:
        """Tell every watcher of this generation's resource, on both eras, that it changed."""
        uri = generation_uri(generation_id)
        await self.bus.publish(ResourceUpdated(uri=uri))
        for connection in list(self._legacy.get(uri, {}).values()):
            await connection.send_resource_updated(uri)  # best effort: never raises on a closed stream
        logger.debug("published resources/updated for generation %s", generation_id)

    # ------------------------------------------------------------------------ legacy subscriptions

    def subscribe_legacy(self, connection: Any, uri: str) -> None:
        """`resources/subscribe` from a handshake-era connection (an `mcp.server.connection.Connection`)."""
        self._legacy.setdefault(uri, weakref.WeakValueDictionary())[id(connection)] = connection
        if connection not in self._cleanup_registered:
            self._cleanup_registered.add(connection)
            ref = weakref.ref(connection)
            connection.exit_stack.callback(self._forget_connection, ref)

    def unsubscribe_legacy(self, connection: Any, uri: str) -> None:
        watchers = self._legacy.get(uri)
        if watchers is not None:
            watchers.pop(id(connection), None)
            if not watchers:
                del self._legacy[uri]

    def legacy_watchers(self, uri: str) -> int:
        return len(self._legacy.get(uri, {}))

    def _forget_connection(self, ref: weakref.ref[Any]) -> None:
        connection = ref()
        if connection is None:
            return
        for uri in list(self._legacy):
            self.unsubscribe_legacy(connection, uri)
