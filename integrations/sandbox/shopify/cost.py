"""Query cost as Shopify calculates it (shopify.dev .../graphql-admin/rate-limits).

* scalar and enum fields cost 0, object fields 1;
* a union or interface costs the most expensive of its possible selections;
* a connection costs 2 plus, for each of the ``first``/``last`` requested
  nodes, the cost of one node (1) and of what is selected inside it, so a
  nested connection multiplies by its parent's page size;
* a mutation field costs 10.

The *requested* cost is computed from the document before running it; the
*actual* cost the same way from what was returned (2 + the nodes that came
back, recursively).

ASSUMPTION: lists of objects that are not connections (``userErrors``,
``accessScopes``) cost like one object, and a mutation field costs a flat 10
whatever its payload selects; Shopify does not document either case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values

from .connections import page_size_problem
from .constants import CONNECTION_BASE_COST, MUTATION_COST, OBJECT_COST

TYPENAME = "__typename"


@dataclass
class PageProblem:
    """A connection asked for no page size or too large a one."""

    message: str
    path: list[str]


@dataclass
class CostAnalysis:
    """Requested cost of one operation, plus paging problems found on the way."""

    requested: int
    problems: list[PageProblem] = field(default_factory=list)


def is_connection(named: Any) -> bool:
    """Whether a type is a Relay connection (has ``pageInfo`` and ``nodes``)."""
    return (
        isinstance(named, GraphQLObjectType)
        and "pageInfo" in named.fields
        and "nodes" in named.fields
        and "edges" in named.fields
    )


class SelectionWalker:
    """Walks a document's selections against the schema (cost, bulk-query checks)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.problems: list[PageProblem] = []
        # Actual cost revisits the same selections for each of up to 250 nodes.
        self._collected: dict[tuple[tuple[int, ...], str | None], dict[str, list[FieldNode]]] = {}

    # Collect the fields a selection set asks of an object of type ``concrete``
    # (None: every field regardless of type conditions), merged by response key.
    def collect(
        self, selection_sets: Iterable[SelectionSetNode], concrete: GraphQLObjectType | None
    ) -> dict[str, list[FieldNode]]:
        selection_sets = list(selection_sets)
        key = (tuple(id(s) for s in selection_sets), concrete.name if concrete else None)
        found = self._collected.get(key)
        if found is None:
            found = {}
            for selection_set in selection_sets:
                self._collect_into(selection_set, concrete, found)
            self._collected[key] = found
        return found

    def _applies(self, condition: str | None, concrete: GraphQLObjectType | None) -> bool:
        if condition is None or concrete is None or condition == concrete.name:
            return True
        abstract = self.schema.get_type(condition)
        if isinstance(abstract, (GraphQLUnionType, GraphQLInterfaceType)):
            return self.schema.is_sub_type(abstract, concrete)
        return False

    def _collect_into(
        self,
        selection_set: SelectionSetNode,
        concrete: GraphQLObjectType | None,
        into: dict[str, list[FieldNode]],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                into.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                if self._applies(condition, concrete):
                    self._collect_into(selection.selection_set, concrete, into)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment and self._applies(fragment.type_condition.name.value, concrete):
                    self._collect_into(fragment.selection_set, concrete, into)

    def field_def(
        self, parents: Iterable[GraphQLObjectType | GraphQLInterfaceType], name: str
    ) -> GraphQLField | None:
        for parent in parents:
            found: GraphQLField | None = parent.fields.get(name)
            if found is not None:
                return found
        return None

    def possible(self, named: GraphQLCompositeType) -> list[GraphQLObjectType]:
        if isinstance(named, GraphQLObjectType):
            return [named]
        return list(self.schema.get_possible_types(named))

    @staticmethod
    def sub(nodes: list[FieldNode]) -> list[SelectionSetNode]:
        return [n.selection_set for n in nodes if n.selection_set is not None]

    def node_selections(
        self, connection: GraphQLObjectType, nodes: list[FieldNode]
    ) -> list[SelectionSetNode]:
        """Selections made on each node, via ``nodes { }`` or ``edges { node { } }``."""
        inner = self.collect(self.sub(nodes), connection)
        selections = self.sub(inner.get("nodes", []))
        edge_type = get_named_type(connection.fields["edges"].type)
        assert isinstance(edge_type, GraphQLObjectType)
        edge_fields = self.collect(self.sub(inner.get("edges", [])), edge_type)
        selections += self.sub(edge_fields.get("node", []))
        return selections

    # --- requested ------------------------------------------------------------

    def requested_children(
        self, named: GraphQLCompositeType, selections: list[SelectionSetNode], path: list[str]
    ) -> int:
        best = 0
        for concrete in self.possible(named):
            total = 0
            for key, nodes in self.collect(selections, concrete).items():
                definition = self.field_def([concrete], nodes[0].name.value)
                if definition is not None:
                    total += self.requested_field(definition, nodes, [*path, key])
            best = max(best, total)
        return best

    def requested_field(
        self, definition: GraphQLField, nodes: list[FieldNode], path: list[str]
    ) -> int:
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType))
        if is_connection(named):
            assert isinstance(named, GraphQLObjectType)
            args = get_argument_values(definition, nodes[0], self.variables)
            first, last = args.get("first"), args.get("last")
            problem = page_size_problem(first, last)
            if problem is not None:
                self.problems.append(PageProblem(problem, path))
                return CONNECTION_BASE_COST
            size = max(first or 0, last or 0)
            node_type = get_named_type(named.fields["nodes"].type)
            assert isinstance(
                node_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
            )
            per_node = OBJECT_COST + self.requested_children(
                node_type, self.node_selections(named, nodes), path
            )
            return CONNECTION_BASE_COST + size * per_node
        return OBJECT_COST + self.requested_children(named, self.sub(nodes), path)

    # --- actual ---------------------------------------------------------------

    def actual_children(
        self, named: GraphQLCompositeType, selections: list[SelectionSetNode], value: Any
    ) -> int:
        if not isinstance(value, dict):
            return 0
        parents = self.possible(named)
        total = 0
        for key, nodes in self.collect(selections, None).items():
            if key not in value or nodes[0].name.value == TYPENAME:
                continue
            definition = self.field_def(parents, nodes[0].name.value)
            if definition is not None:
                total += self.actual_field(definition, nodes, value[key])
        return total

    def actual_field(self, definition: GraphQLField, nodes: list[FieldNode], value: Any) -> int:
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType))
        if value is None:
            return 0  # nothing was returned, so nothing was spent on it
        if is_connection(named):
            assert isinstance(named, GraphQLObjectType)
            items = value.get("nodes")
            if items is None:
                items = [edge.get("node") for edge in value.get("edges") or []]
            node_type = get_named_type(named.fields["nodes"].type)
            assert isinstance(
                node_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
            )
            selections = self.node_selections(named, nodes)
            return CONNECTION_BASE_COST + sum(
                OBJECT_COST + self.actual_children(node_type, selections, item) for item in items
            )
        if isinstance(value, list):
            value = value[0] if value else None
        return OBJECT_COST + self.actual_children(named, self.sub(nodes), value)


def _root_fields(
    walker: SelectionWalker, root: GraphQLObjectType, selection_set: SelectionSetNode
) -> dict[str, list[FieldNode]]:
    return walker.collect([selection_set], root)


def requested_cost(
    schema: GraphQLSchema,
    operation_type: OperationType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Any,
) -> CostAnalysis:
    """The requested cost of an operation, and any paging problems it has."""
    walker = SelectionWalker(schema, fragments, variables)
    total = _sum_root_fields(
        walker,
        operation_type,
        selection_set,
        lambda key, definition, nodes: walker.requested_field(definition, nodes, [key]),
    )
    return CostAnalysis(total, walker.problems)


def actual_cost(
    schema: GraphQLSchema,
    operation_type: OperationType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    data: dict[str, Any] | None,
) -> int:
    """The actual cost of an operation, from the data it returned."""
    walker = SelectionWalker(schema, fragments, {})

    def field_cost(key: str, definition: GraphQLField, nodes: list[FieldNode]) -> int:
        if data is not None and key in data:
            return walker.actual_field(definition, nodes, data[key])
        return OBJECT_COST

    return _sum_root_fields(walker, operation_type, selection_set, field_cost)


def _sum_root_fields(
    walker: SelectionWalker,
    operation_type: OperationType,
    selection_set: SelectionSetNode,
    field_cost: Callable[[str, GraphQLField, list[FieldNode]], int],
) -> int:
    """Sum over the operation's root fields: a flat cost per mutation, else ``field_cost``."""
    mutation = operation_type == OperationType.MUTATION
    root = walker.schema.mutation_type if mutation else walker.schema.query_type
    assert root is not None
    total = 0
    for key, nodes in _root_fields(walker, root, selection_set).items():
        definition = root.fields.get(nodes[0].name.value)
        if definition is not None:
            total += MUTATION_COST if mutation else field_cost(key, definition, nodes)
    return total
