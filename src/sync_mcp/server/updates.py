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

With shared state in Redis (`SYNC_MCP_REDIS_URL`), the last status seen is kept there (one SET GET per
sighting of a status new to this replica, so of two replicas seeing the same change exactly one publishes
it), and a change goes out on the deployment's Redis event stream: every replica hears it and tells its own
watchers on both eras (`SharedSubscriptionBus`). A sighting made while Redis is unreachable is kept here and
recorded (and published if it is news) when Redis returns, so watchers still hear of it; the request that
made it is answered as usual.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated, ServerEvent, SubscriptionBus

from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.backend import RedisStore, SharedStateUnavailable
from sync_mcp.toolkit.results import generation_uri

if TYPE_CHECKING:
    from sync_mcp.api import Generation

logger = logging.getLogger(__name__)

REMEMBERED_GENERATIONS = 10_000
SIGHTING_TTL_SECONDS = 7 * 24 * 3600.0
"""How long Redis remembers the last status seen of a generation (longer than any job runs)."""
UPDATED_TOPIC = "resource-updated"


class SharedSubscriptionBus:
    """The SDK's `SubscriptionBus` over the Redis event stream: a resource update published on any replica reaches the
    `subscriptions/listen` streams of every replica (and the relays, which tell legacy watchers). List changes
    (tools, prompts, resources) belong to one server process and stay local."""

    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self._local = InMemorySubscriptionBus()
        self._relays: list[Callable[[str], Awaitable[None]]] = []
        store.listen(UPDATED_TOPIC, self._heard)

    async def publish(self, event: ServerEvent) -> None:
        if isinstance(event, ResourceUpdated):
            await self._store.publish(UPDATED_TOPIC, event.uri)
        else:
            await self._local.publish(event)

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        return self._local.subscribe(listener)

    def relay(self, tell: Callable[[str], Awaitable[None]]) -> None:
        """Also hand every resource update heard from Redis to `tell` (the URI)."""
        self._relays.append(tell)

    async def _heard(self, uri: str) -> None:
        await self._local.publish(ResourceUpdated(uri=uri))
        for tell in self._relays:
            await tell(uri)


class GenerationUpdates:
    """The server's one place to record sightings of generations and publish their changes."""

    def __init__(self, bus: SubscriptionBus | None = None, *, shared: RedisStore | None = None) -> None:
        self._shared = shared
        if shared is not None:
            shared_bus = SharedSubscriptionBus(shared)
            shared_bus.relay(self._tell_legacy)
            shared.on_recovery(self._catch_up)
            self.bus: SubscriptionBus = shared_bus
        else:
            self.bus = bus or InMemorySubscriptionBus()
        self._last_status: OrderedDict[str, str] = OrderedDict()
        self._unrecorded: OrderedDict[str, tuple[str, bool]] = OrderedDict()
        """Shared mode: sightings Redis did not take (id -> (status, recorded but not yet published))."""
        # uri -> {id(connection): connection}; connections are the SDK's per-client objects (legacy era)
        self._legacy: dict[str, weakref.WeakValueDictionary[int, Any]] = {}
        self._cleanup_registered: weakref.WeakSet[Any] = weakref.WeakSet()

    # ------------------------------------------------------------------------------------ sightings

    def record(self, generation: Generation) -> bool:
        """Remember the status seen; True when it is news (see the module docstring)."""
        previous = self._remember(generation.id, generation.status)
        if previous is None:
            return generation.status in TERMINAL_STATUSES
        return previous != generation.status

    def _remember(self, generation_id: str, status: str) -> str | None:
        """Remember the status this process saw last (bounded); returns the one before."""
        previous = self._last_status.pop(generation_id, None)
        self._last_status[generation_id] = status
        while len(self._last_status) > REMEMBERED_GENERATIONS:
            self._last_status.popitem(last=False)
        return previous

    async def observe(self, generation: Generation) -> None:
        """A sighting of `generation`: publish `resources/updated` to its watchers if the status changed."""
        if self._shared is None:
            if self.record(generation):
                await self.publish(generation.id)
            return
        if self._last_status.get(generation.id) == generation.status and generation.id not in self._unrecorded:
            return  # this replica recorded this very status already: statuses only move forward
        recorded = False
        try:
            news = await self._record_shared(generation.id, generation.status)
            recorded = True
            self._remember(generation.id, generation.status)
            if news:
                await self.publish(generation.id)
        except SharedStateUnavailable:
            # The latest sighting is kept; a publication still owed for the same status is not forgotten.
            owed = self._unrecorded.pop(generation.id, None)
            pending = recorded or (owed is not None and owed == (generation.status, True))
            self._unrecorded[generation.id] = (generation.status, pending)
            while len(self._unrecorded) > REMEMBERED_GENERATIONS:
                self._unrecorded.popitem(last=False)
            logger.debug("sighting of generation %s kept until Redis returns", generation.id)

    async def _record_shared(self, generation_id: str, status: str) -> bool:
        assert self._shared is not None
        previous = await self._shared.swap(self._shared.key("sighting", generation_id), status, SIGHTING_TTL_SECONDS)
        if previous is None:
            return status in TERMINAL_STATUSES
        return previous != status

    async def _catch_up(self) -> None:
        """After a Redis outage: record (and publish, if news) the sightings made meanwhile."""
        while self._unrecorded:
            generation_id, (status, recorded) = next(iter(self._unrecorded.items()))
            if recorded or await self._record_shared(generation_id, status):
                await self.publish(generation_id)
            self._remember(generation_id, status)
            if self._unrecorded.get(generation_id) == (status, recorded):
                del self._unrecorded[generation_id]

    async def publish(self, generation_id: str) -> None:
        """Tell every watcher of this generation's resource, on both eras, that it changed."""
        uri = generation_uri(generation_id)
        await self.bus.publish(ResourceUpdated(uri=uri))
        if self._shared is None:  # shared mode: every replica's relay tells its legacy watchers
            await self._tell_legacy(uri)
        logger.debug("published resources/updated for generation %s", generation_id)

    async def _tell_legacy(self, uri: str) -> None:
        for connection in list(self._legacy.get(uri, {}).values()):
            await connection.send_resource_updated(uri)  # best effort: never raises on a closed stream

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
