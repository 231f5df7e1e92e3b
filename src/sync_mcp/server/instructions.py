"""The workflow the server teaches every client at connect time."""

INSTRUCTIONS = """\
sync-mcp drives the Sync lip-sync API (sync.so).
Use lipsync first: one call lip-syncs a face (video, or image on sync-3) to audio, to a script in a voice, to
several speakers, or dubs a video into another language; it takes URLs, asset ids or local files and waits
with progress. When it returns before the job ends, or after create_generation (the raw API body, returns an id
at once), call get_generation with wait=true; if it returns waitTimedOut=true, call it again - the job keeps
running and is never lost. On COMPLETED read outputUrl (a signed, expiring URL: copy it exactly).
On FAILED/REJECTED, or any isError result, read `fix` and act on it; list_error_codes explains any errorCode.
Never start a second paid generation to "recover" one that is still running; reuse idempotencyKey to retry a
create safely. Invalid or unknown arguments are refused before anything is sent and cost nothing.
"""
