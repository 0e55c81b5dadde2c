"""Load Shopify's real Admin GraphQL schema (2026-10) for validation tests.

The schema is the introspection result shipped in the npm package
``@shopify/dev-mcp@1.16.0`` (``dist/data/admin_2026-10.json.gz``). A copy lives
in ``../shared/shopify/`` beside the checkout; when that is absent the file is
fetched once from the npm registry with ``npm pack`` into a cache directory.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

NPM_PACKAGE = "@shopify/dev-mcp@1.16.0"
FILE_IN_PACKAGE = "package/dist/data/admin_2026-10.json.gz"
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_COPY = REPO_ROOT.parent / "shared" / "shopify" / "admin-2026-10.introspection.json.gz"
CACHE_DIR = Path(os.environ.get("PROMOSYNC_SCHEMA_CACHE", Path.home() / ".cache" / "promosync"))


def schema_file() -> Path:
    """Path of the gzipped introspection JSON, fetching it from npm if needed."""
    if SHARED_COPY.exists():
        return SHARED_COPY
    cached = CACHE_DIR / "admin-2026-10.introspection.json.gz"
    if cached.exists():
        return cached
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--pack-destination", tmp, "--silent"],
            check=True,
            capture_output=True,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(FILE_IN_PACKAGE)
            assert member is not None, f"{FILE_IN_PACKAGE} missing from {NPM_PACKAGE}"
            cached.write_bytes(member.read())
    return cached


@functools.cache
def admin_schema() -> GraphQLSchema:
    """The real Admin API schema as a graphql-core schema object."""
    with gzip.open(schema_file(), "rt", encoding="utf-8") as fh:
        raw = json.load(fh)
    return build_client_schema(raw.get("data", raw))
