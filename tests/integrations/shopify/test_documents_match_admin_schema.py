"""Every document promosync sends validates against the real Admin schema, deprecation-free."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLSchema,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)

from integrations.shopify import queries
from tests.support.shopify_schema import admin_schema

BULK_INNER = queries.bulk_redeem_codes_query(1234567890)
# Shopify's bulk query rules: at most 5 connections, nested at most 2 levels deep.
BULK_MAX_CONNECTIONS = 5
BULK_MAX_CONNECTION_DEPTH = 2

DOCUMENTS = {op.name: op.document for op in queries.ALL_OPERATIONS} | {
    "bulk inner query": BULK_INNER
}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    real = admin_schema()
    # graphql-core 3.3 refuses to validate against Shopify's introspection because a few
    # implementation fields are deprecated where their interface field is not (e.g.
    # DiscountAutomaticBxgy.id). That is Shopify's schema, not our documents: mark the schema
    # as already checked so validate() judges only the documents.
    real._validation_errors = []  # type: ignore[attr-defined]
    return real


class DeprecationFinder(Visitor):
    """Collects every deprecated field, argument, input field and enum value a document uses."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: list[str] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        field = self.type_info.get_field_def()
        parent = self.type_info.get_parent_type()
        if field is not None and field.deprecation_reason:
            self.found.append(f"field {parent}.{node.name.value}")

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        argument = self.type_info.get_argument()
        if argument is not None and argument.deprecation_reason:
            self.found.append(f"argument {node.name.value}")

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            field = parent.fields.get(node.name.value)
            if field is not None and field.deprecation_reason:
                self.found.append(f"input field {parent.name}.{node.name.value}")

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        enum = get_named_type(self.type_info.get_input_type())
        if isinstance(enum, GraphQLEnumType):
            value = enum.values.get(node.value)
            if value is not None and value.deprecation_reason:
                self.found.append(f"enum value {enum.name}.{node.value}")


def deprecated_uses(schema: GraphQLSchema, document: DocumentNode) -> list[str]:
    type_info = TypeInfo(schema)
    finder = DeprecationFinder(type_info)
    visit(document, TypeInfoVisitor(type_info, finder))
    return finder.found


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_validates_against_admin_schema(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(DOCUMENTS[name]))
    assert [error.message for error in errors] == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_uses_nothing_deprecated(schema: GraphQLSchema, name: str) -> None:
    assert deprecated_uses(schema, parse(DOCUMENTS[name])) == []


@pytest.mark.parametrize("operation", queries.ALL_OPERATIONS, ids=lambda op: op.name)
def test_operation_constant_is_named_like_its_document(operation: queries.Operation) -> None:
    definitions = parse(operation.document).definitions
    names = [d.name.value for d in definitions if isinstance(d, OperationDefinitionNode) and d.name]
    assert names == [operation.name]


def test_operation_names_are_unique() -> None:
    names = [op.name for op in queries.ALL_OPERATIONS]
    assert len(names) == len(set(names))


def test_runtime_inputs_use_no_deprecated_input_field(schema: GraphQLSchema) -> None:
    """Variables built in code (not literals in documents) are checked here by name."""
    redeem_code_input = schema.type_map["DiscountRedeemCodeInput"]
    assert isinstance(redeem_code_input, GraphQLInputObjectType)
    assert set(redeem_code_input.fields) == {"code"}
    assert redeem_code_input.fields["code"].deprecation_reason is None


def test_bulk_inner_query_obeys_shopifys_connection_limits(schema: GraphQLSchema) -> None:
    type_info = TypeInfo(schema)
    depths: list[int] = []
    stack: list[bool] = []

    class Connections(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            named = get_named_type(type_info.get_type())
            is_connection = named is not None and named.name.endswith("Connection")
            stack.append(is_connection)
            if is_connection:
                depths.append(sum(stack))

        def leave_field(self, node: FieldNode, *_: Any) -> None:
            stack.pop()

    visit(parse(BULK_INNER), TypeInfoVisitor(type_info, Connections()))
    assert 0 < len(depths) <= BULK_MAX_CONNECTIONS
    assert max(depths) <= BULK_MAX_CONNECTION_DEPTH


def test_finder_catches_deprecated_field_and_argument(schema: GraphQLSchema) -> None:
    """The walker itself works: a known-deprecated query is flagged."""
    document = parse("query Old($id: ID!) { codeDiscountNode(id: $id) { id } }")
    assert deprecated_uses(schema, document) == ["field QueryRoot.codeDiscountNode"]


def test_finder_catches_deprecated_enum_value_and_argument(schema: GraphQLSchema) -> None:
    document = parse(
        "query Old { themes(first: 1, roles: [MOBILE]) { nodes { id } } "
        'webhookSubscriptions(first: 1, callbackUrl: "https://x") { nodes { id } } }'
    )
    assert deprecated_uses(schema, document) == [
        "enum value ThemeRole.MOBILE",
        "argument callbackUrl",
    ]
