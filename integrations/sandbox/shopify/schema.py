"""The executable schema: the Admin subset SDL wired to the sandbox's resolvers."""

from __future__ import annotations

import functools
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

from .resolvers import MUTATION_RESOLVERS, QUERY_RESOLVERS
from .sdl import subset_sdl


def _typename(value: Any, _info: GraphQLResolveInfo[Any], _type: GraphQLAbstractType) -> str:
    # Views of abstract types (Discount, DiscountCode, DiscountApplication) carry it.
    return str(value["__typename"])


def _attach(root: GraphQLObjectType | None, resolvers: dict[str, Any]) -> None:
    assert root is not None
    missing = set(root.fields) ^ set(resolvers)
    assert not missing, f"resolvers and {root.name} fields differ: {sorted(missing)}"
    for name, resolver in resolvers.items():
        root.fields[name].resolve = resolver


@functools.cache
def executable_schema() -> GraphQLSchema:
    """The subset schema with resolvers; built once per process."""
    schema = build_schema(subset_sdl())
    _attach(schema.query_type, QUERY_RESOLVERS)
    _attach(schema.mutation_type, MUTATION_RESOLVERS)
    for named in schema.type_map.values():
        if isinstance(named, (GraphQLUnionType, GraphQLInterfaceType)):
            named.resolve_type = _typename
    return schema
