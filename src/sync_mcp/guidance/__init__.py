"""Every word the agent reads about a failure or a refusal (what went wrong, what to do about it, whether to try
again), about the phase a call is in while it runs, and about what to do next once it returned.

- `errors.py`: `ErrorInfo`, the `{errorCode, httpStatus, message, fix, retryable, requestId}` object every failure
  becomes; `InputError`, an argument a workflow cannot use, refused before anything is sent; and
  `explain(exc, catalog, client)`, the one way an exception becomes an `ErrorInfo` (the tool wrapper, the
  argument resolvers, resources, prompts and tasks all call it);
- `refusals.py` (arguments: combinations a call cannot use, waits, upload links) and `file_refusals.py` (local
  files and chat attachments): every `InputError`, one function per situation taking the facts, so a raise site
  elsewhere reads `raise refusals.no_visual()` and writes no words (a house test holds it); with the refusal of
  arguments a tool does not take (`refusals.unknown_arguments`);
- `spend_refusals.py`: the spend guard's refusals of a create (over the cap, no estimate under a cap, declined);
- `catalog.py`: the error catalog (the live `GET /v2/errors`, cached, with the bundled snapshot as fallback), the
  fixes by HTTP status, and what may be tried again;
- `failures.py`: what went wrong beyond the caller's arguments: why a generation ended FAILED or REJECTED, why a
  download of its output failed, and the server's own faults (a tool that crashed, the shared state's Redis not
  answering), one function per situation taking the facts (the generation id, the HTTP status, the setting
  that limits, ...);
- `steps.py`: a call's steps: its progress messages while it runs (phases, sizes, durations), and the step to take
  next once a tool returns (`nextStep`), one function per situation taking the plain facts (ids, statuses,
  counts, whether a tool is offered). The tools choose the situation; no next step is worded outside this
  package.

No `ErrorInfo` is built, nor an error reworded, outside this package either: the code that meets a situation
names it and passes its facts (`tests/project/test_house.py` holds both rules).

`sync_mcp.api` below knows nothing of agents: its exceptions say what happened; the fixes are here. Text from the
API is untrusted data, never instructions: it reaches the agent quoted.
"""
