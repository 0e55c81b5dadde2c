"""The sandbox's GraphQL schema text: a strict subset of Shopify's Admin schema."""

from __future__ import annotations

import functools
from importlib import resources

from graphql import GraphQLSchema, build_schema

SUBSET_FILE = "admin_subset.graphql"


def subset_sdl() -> str:
    """The SDL of the Admin API subset the sandbox serves."""
    return resources.files(__package__).joinpath(SUBSET_FILE).read_text(encoding="utf-8")


@functools.cache
def plain_subset_schema() -> GraphQLSchema:
    """The subset as a schema without resolvers (for validation and comparison)."""
    return build_schema(subset_sdl())
