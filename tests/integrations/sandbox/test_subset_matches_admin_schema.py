"""The sandbox serves a subset of the real Admin schema, identical where it overlaps.

If this passes, every document the sandbox accepts is also accepted by Shopify
(same names, same types, same arguments), and the sandbox never relies on a
deprecated part of the API.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)

from integrations.sandbox.shopify.sdl import plain_subset_schema
from tests.support.shopify_schema import admin_schema


def _own_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {name: t for name, t in schema.type_map.items() if not name.startswith("__")}


def _field_problems(where: str, ours: GraphQLField, real: GraphQLField) -> list[str]:
    problems = []
    if str(ours.type) != str(real.type):
        problems.append(f"{where}: type {ours.type} != real {real.type}")
    if real.deprecation_reason:
        problems.append(f"{where}: deprecated in the real schema")
    for arg_name, arg in ours.args.items():
        real_arg = real.args.get(arg_name)
        if real_arg is None:
            problems.append(f"{where}({arg_name}): no such argument")
            continue
        if str(arg.type) != str(real_arg.type):
            problems.append(f"{where}({arg_name}): type {arg.type} != real {real_arg.type}")
        if arg.default_value != real_arg.default_value:
            problems.append(f"{where}({arg_name}): default differs")
        if real_arg.deprecation_reason:
            problems.append(f"{where}({arg_name}): deprecated argument")
    for arg_name, real_arg in real.args.items():
        required = isinstance(real_arg.type, GraphQLNonNull) and real_arg.default_value is Undefined
        if required and arg_name not in ours.args:
            problems.append(f"{where}({arg_name}): required by the real schema, missing here")
    return problems


def _type_problems(ours: GraphQLNamedType, real: GraphQLNamedType) -> list[str]:
    name = ours.name
    if type(ours) is not type(real):
        return [f"{name}: kind {type(ours).__name__} != real {type(real).__name__}"]
    problems: list[str] = []
    if isinstance(ours, (GraphQLObjectType, GraphQLInterfaceType)):
        assert isinstance(real, (GraphQLObjectType, GraphQLInterfaceType))
        real_interfaces = {i.name for i in real.interfaces}
        problems += [
            f"{name}: does not implement {i.name} in the real schema"
            for i in ours.interfaces
            if i.name not in real_interfaces
        ]
        for field_name, field in ours.fields.items():
            real_field = real.fields.get(field_name)
            if real_field is None:
                problems.append(f"{name}.{field_name}: no such field")
            else:
                problems += _field_problems(f"{name}.{field_name}", field, real_field)
    elif isinstance(ours, GraphQLUnionType):
        assert isinstance(real, GraphQLUnionType)
        real_members = {t.name for t in real.types}
        problems += [
            f"{name}: {t.name} is not a member" for t in ours.types if t.name not in real_members
        ]
    elif isinstance(ours, GraphQLEnumType):
        assert isinstance(real, GraphQLEnumType)
        for value in ours.values:
            real_value = real.values.get(value)
            if real_value is None:
                problems.append(f"{name}.{value}: no such enum value")
            elif real_value.deprecation_reason:
                problems.append(f"{name}.{value}: deprecated enum value")
    elif isinstance(ours, GraphQLInputObjectType):
        assert isinstance(real, GraphQLInputObjectType)
        for field_name, field in ours.fields.items():
            real_field = real.fields.get(field_name)
            if real_field is None:
                problems.append(f"{name}.{field_name}: no such input field")
            elif str(field.type) != str(real_field.type):
                problems.append(f"{name}.{field_name}: type {field.type} != {real_field.type}")
            elif real_field.deprecation_reason:
                problems.append(f"{name}.{field_name}: deprecated input field")
        for field_name, real_field in real.fields.items():
            required = isinstance(real_field.type, GraphQLNonNull)
            if required and real_field.default_value is Undefined and field_name not in ours.fields:
                problems.append(f"{name}.{field_name}: required input field missing")
    else:
        assert isinstance(ours, GraphQLScalarType)
    return problems


def test_every_subset_type_exists_identically_in_the_real_admin_schema() -> None:
    real_types = _own_types(admin_schema())
    problems: list[str] = []
    for name, ours in _own_types(plain_subset_schema()).items():
        real = real_types.get(name)
        if real is None:
            problems.append(f"{name}: no such type in the real schema")
        else:
            problems += _type_problems(ours, real)
    assert problems == []


def test_subset_roots_are_the_real_root_types() -> None:
    ours, real = plain_subset_schema(), admin_schema()
    assert ours.query_type is not None and real.query_type is not None
    assert ours.mutation_type is not None and real.mutation_type is not None
    assert ours.query_type.name == real.query_type.name
    assert ours.mutation_type.name == real.mutation_type.name


def test_subset_covers_every_operation_the_research_doc_sends() -> None:
    """The documents the client sends validate against the subset."""
    from graphql import parse, validate

    from tests.integrations.sandbox.documents import ALL_CLIENT_DOCUMENTS

    real = admin_schema()
    # graphql-core 3.3 rejects Shopify's own schema (deprecated implementations of
    # non-deprecated interface fields); the documents are still checked against it,
    # so skip only that schema self-check.
    real._validation_errors = []
    for document in ALL_CLIENT_DOCUMENTS:
        assert validate(plain_subset_schema(), parse(document)) == [], document[:60]
        assert validate(real, parse(document)) == [], document[:60]


def test_the_comparison_catches_a_wrong_type() -> None:
    """Guard against a vacuous comparison: a deliberately wrong field is reported."""
    from graphql import build_schema

    wrong = build_schema("type QueryRoot { shop: Shop } type Shop { name: Int! }")
    real_types = _own_types(admin_schema())
    problems = [p for n, t in _own_types(wrong).items() for p in _type_problems(t, real_types[n])]
    assert any("QueryRoot.shop" in p for p in problems)
    assert any("Shop.name" in p for p in problems)
