"""Local stand-ins for the stores promosync talks to.

Shopify cannot be reached from development machines or CI, so tests, the demo
and benchmarks run the real clients against faithful local emulators that live
here (``integrations.sandbox.shopify``).
"""
