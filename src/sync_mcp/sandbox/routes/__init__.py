"""One route module per API domain; each exposes `routes: list[Route]` for `sandbox.app` to compose."""
