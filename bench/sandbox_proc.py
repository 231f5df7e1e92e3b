"""The sandbox as a separate process for benchmarks: `python -m bench.sandbox_proc '<SandboxConfig JSON>'`.

Prints the base URL on stdout once listening, then serves until its stdin closes.
"""

from __future__ import annotations

import json
import logging
import sys

from sync_mcp.sandbox import SandboxConfig, SandboxServer


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    config = SandboxConfig(**json.loads(sys.argv[1]))
    with SandboxServer(config) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
