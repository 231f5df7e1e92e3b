"""The API's endpoint groups as resources on the client, in the style of openai-python: `client.generations.get(id)`,
`client.assets.list(query)`, ... One class per group, one module per class; each holds the client it was reached
through (a caller's view from `SyncClient.bound(...)` included), so every call carries that view's key and hooks.

A resource module is imported when its attribute is first read: importing the client does not build the wire types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ResourceOf

if TYPE_CHECKING:
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


class ClientResources:
    """The resources of a `SyncClient` (mixed into it): one attribute per endpoint group."""

    assets: ResourceOf[Assets] = ResourceOf("Assets")
    batches: ResourceOf[Batches] = ResourceOf("Batches")
    costs: ResourceOf[Costs] = ResourceOf("Costs")
    dialogue_edits: ResourceOf[DialogueEdits] = ResourceOf("DialogueEdits")
    error_codes: ResourceOf[ErrorCodes] = ResourceOf("ErrorCodes")
    generations: ResourceOf[Generations] = ResourceOf("Generations")
    health: ResourceOf[HealthCheck] = ResourceOf("HealthCheck")
    models: ResourceOf[AIModels] = ResourceOf("AIModels", module="ai_models")
    """The AI models the account may use (`GET /v2/models`), not wire types."""
    projects: ResourceOf[Projects] = ResourceOf("Projects")
    speech: ResourceOf[TextToSpeech] = ResourceOf("TextToSpeech")
    transcriptions: ResourceOf[Transcriptions] = ResourceOf("Transcriptions")
    uploads: ResourceOf[Uploads] = ResourceOf("Uploads")
    usage: ResourceOf[Usage] = ResourceOf("Usage")
    voices: ResourceOf[Voices] = ResourceOf("Voices")
