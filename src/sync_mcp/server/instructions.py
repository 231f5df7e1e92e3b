"""The workflow the server teaches every client at connect time."""

INSTRUCTIONS = """\
sync-mcp drives the Sync lip-sync API (sync.so).
Workflow: create_generation (returns an id at once, status PENDING) -> get_generation with wait=true
(follows the job with progress; if it returns waitTimedOut=true, call it again - the job keeps running and
is never lost) -> on COMPLETED read outputUrl (a signed, expiring URL: copy it exactly).
On FAILED/REJECTED, or any isError result, read `fix` and act on it; list_error_codes explains any errorCode.
Never start a second paid generation to "recover" one that is still running; reuse idempotencyKey to retry a
create safely. Invalid arguments are refused before anything is sent and cost nothing.
"""
