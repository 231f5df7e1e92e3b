"""The API's endpoint groups as resources on the client, in the style of openai-python: `client.generations.get(id)`,
`client.assets.list(query)`, ... One class per group, one module per class; each holds the client it was reached
through (a caller's view from `SyncClient.bound(...)` included), so every call carries that view's key and hooks.

A resource module is imported when its attribute is first read: importing the client does not build the wire types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from ..client import SyncClient
    from .ai_models import AIModels
    from .assets import Assets
    from .batches import Batches
    from .costs import Costs
    from .dialogue_edits import DialogueEdits
    from .error_codes import ErrorCodes
    from .generations import Generations
    from .health import HealthCheck
    from .projects import Projects
    from .speech import TextToSpeech
    from .transcriptions import Transcriptions
    from .uploads import Uploads
    from .usage import Usage
    from .voices import Voices


class Resource:
    """One endpoint group, bound to the client it was reached through."""

    def __init__(self, client: SyncClient) -> None:
        self._client = client


class ClientResources:
    """The resources of a `SyncClient`: each attribute is a fresh, cheap view bound to this client."""

    @property
    def generations(self) -> Generations:
        from .generations import Generations

        return Generations(self._as_client())

    @property
    def assets(self) -> Assets:
        from .assets import Assets

        return Assets(self._as_client())

    @property
    def batches(self) -> Batches:
        from .batches import Batches

        return Batches(self._as_client())

    @property
    def costs(self) -> Costs:
        from .costs import Costs

        return Costs(self._as_client())

    @property
    def dialogue_edits(self) -> DialogueEdits:
        from .dialogue_edits import DialogueEdits

        return DialogueEdits(self._as_client())

    @property
    def error_codes(self) -> ErrorCodes:
        from .error_codes import ErrorCodes

        return ErrorCodes(self._as_client())

    @property
    def health(self) -> HealthCheck:
        from .health import HealthCheck

        return HealthCheck(self._as_client())

    @property
    def models(self) -> AIModels:
        """The AI models the account may use (`GET /v2/models`), not wire types."""
        from .ai_models import AIModels

        return AIModels(self._as_client())

    @property
    def projects(self) -> Projects:
        from .projects import Projects

        return Projects(self._as_client())

    @property
    def speech(self) -> TextToSpeech:
        from .speech import TextToSpeech

        return TextToSpeech(self._as_client())

    @property
    def transcriptions(self) -> Transcriptions:
        from .transcriptions import Transcriptions

        return Transcriptions(self._as_client())

    @property
    def uploads(self) -> Uploads:
        from .uploads import Uploads

        return Uploads(self._as_client())

    @property
    def usage(self) -> Usage:
        from .usage import Usage

        return Usage(self._as_client())

    @property
    def voices(self) -> Voices:
        from .voices import Voices

        return Voices(self._as_client())

    def _as_client(self) -> SyncClient:
        return cast("SyncClient", self)  # mixed into SyncClient only
