"""Bulk query operations: ``bulkOperationRunQuery`` runs in a thread and writes JSONL.

The file has one JSON object per line. Objects from a nested connection are
lines of their own carrying ``"__parentId"`` (the id of the row they belong
to), after their parent; no ``edges``/``node`` wrappers appear
(shopify.dev .../bulk-operations/queries). Rows are written as they are
read, page by page, with the shop lock held only per page, so a million-code
export neither stalls the server nor builds the file in memory.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values

from .clock import iso
from .constants import (
    BULK_RESULTS_PREFIX,
    FIRST_BULK_OPERATION_ID,
    MAX_BULK_CONNECTIONS,
    MAX_BULK_NESTING,
    MAX_PAGE_SIZE,
    MAX_RUNNING_BULK_QUERIES,
)
from .cost import SelectionWalker, is_connection
from .ids import gid
from .resolvers import discounts_matching
from .schema import executable_schema
from .search import order_matches, parse_search
from .views import View, discount_node_view, order_view

if TYPE_CHECKING:
    from .state import SandboxShop

RESULT_KEY_BYTES = 18
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
JOIN_TIMEOUT_SECONDS = 30.0

Lister = Callable[["SandboxShop", dict[str, Any]], list[View]]


def _list_discounts(shop: SandboxShop, args: dict[str, Any]) -> list[View]:
    return [discount_node_view(shop, d) for d in discounts_matching(shop, args.get("query"))]


def _list_orders(shop: SandboxShop, args: dict[str, Any]) -> list[View]:
    terms = parse_search(args.get("query"))
    return [
        order_view(shop, o)
        for o in sorted(shop.orders.values(), key=lambda o: o.id)
        if order_matches(o, terms)
    ]


# Top-level connections a bulk query may start from, with the scope each needs.
ROOTS: dict[str, tuple[str, Lister]] = {
    "discountNodes": ("read_discounts", _list_discounts),
    "orders": ("read_orders", _list_orders),
}


class BulkQueryInvalid(ValueError):
    """The inner query breaks a bulk-operation rule; the message says which."""


@dataclass
class BulkOperation:
    """One bulk query operation and what its run produced."""

    id: int
    query: str
    created_at: datetime
    key: str = field(default_factory=lambda: secrets.token_urlsafe(RESULT_KEY_BYTES))
    final_status: str = "RUNNING"
    error_code: str | None = None
    completed_at: datetime | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int = 0
    polls: int = 0
    finished: threading.Event = field(default_factory=threading.Event)


def _connection_depths(
    walker: SelectionWalker,
    parent: GraphQLObjectType,
    selections: list[SelectionSetNode],
    depth: int,
) -> Iterator[int]:
    """Nesting depth of every connection selected below ``parent`` (1 = top level)."""
    for concrete in (
        walker.possible(parent) if not isinstance(parent, GraphQLObjectType) else [parent]
    ):
        for nodes in walker.collect(selections, concrete).values():
            definition = concrete.fields.get(nodes[0].name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if is_leaf_type(named):
                continue
            assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType))
            if is_connection(named):
                assert isinstance(named, GraphQLObjectType)
                yield depth + 1
                node_type = get_named_type(named.fields["nodes"].type)
                inner = walker.node_selections(named, nodes)
                assert isinstance(
                    node_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
                )
                for possible in walker.possible(node_type):
                    yield from _connection_depths(walker, possible, inner, depth + 1)
            else:
                for possible in walker.possible(named):
                    yield from _connection_depths(walker, possible, walker.sub(nodes), depth)


def check_bulk_query(query: str) -> tuple[OperationDefinitionNode, SelectionWalker]:
    """The parsed inner query if it obeys Shopify's bulk rules; else raise."""
    schema = executable_schema()
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise BulkQueryInvalid(f"Invalid bulk query: {exc.message}") from exc
    errors = validate(schema, document)
    if errors:
        raise BulkQueryInvalid(f"Invalid bulk query: {errors[0].message}")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        raise BulkQueryInvalid("Bulk queries must contain exactly one query operation.")
    operation = operations[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walker = SelectionWalker(schema, fragments, None)
    assert schema.query_type is not None
    roots = walker.collect([operation.selection_set], schema.query_type)
    if len(roots) != 1 or next(iter(roots.values()))[0].name.value not in ROOTS:
        raise BulkQueryInvalid(
            f"Bulk queries must select exactly one of: {', '.join(sorted(ROOTS))}."
        )
    depths = list(_connection_depths(walker, schema.query_type, [operation.selection_set], 0))
    if len(depths) > MAX_BULK_CONNECTIONS:
        raise BulkQueryInvalid(
            f"Bulk queries cannot contain more than {MAX_BULK_CONNECTIONS} connections."
        )
    if max(depths, default=0) > MAX_BULK_NESTING:
        raise BulkQueryInvalid(
            "Bulk queries cannot contain connections with a nesting depth greater than "
            f"{MAX_BULK_NESTING}."
        )
    return operation, walker


class _Writer:
    """Walks rows and their nested connections, writing JSONL lines."""

    def __init__(
        self, shop: SandboxShop, walker: SelectionWalker, out: IO[str], stop: threading.Event
    ) -> None:
        self.shop = shop
        self.walker = walker
        self.out = out
        self.stop = stop
        self.objects = 0

    def write_row(
        self, view: View, named: Any, selections: list[SelectionSetNode], parent_id: str | None
    ) -> None:
        with self.shop.lock:
            nested: list[tuple[GraphQLObjectType, list[FieldNode], Any, dict[str, Any]]] = []
            line = self.project(view, named, selections, nested)
        if parent_id is not None:
            line["__parentId"] = parent_id
        self.out.write(json.dumps(line, separators=(",", ":")) + "\n")
        self.objects += 1
        for connection, nodes, resolver, args in nested:
            self.write_connection(connection, nodes, resolver, args, view["id"])

    def project(
        self, value: View, named: Any, selections: list[SelectionSetNode], nested: list[Any]
    ) -> View:
        concrete = named
        if not isinstance(named, GraphQLObjectType):
            concrete = self.walker.schema.get_type(value["__typename"])
        out: View = {}
        for key, nodes in self.walker.collect(selections, concrete).items():
            name = nodes[0].name.value
            if name == "__typename":
                out[key] = concrete.name
                continue
            definition: GraphQLField = concrete.fields[name]
            field_type = get_named_type(definition.type)
            raw = value.get(name)
            if is_connection(field_type):
                nested.append(
                    (field_type, nodes, raw, get_argument_values(definition, nodes[0], None))
                )
            elif is_leaf_type(field_type) or raw is None:
                out[key] = raw
            elif isinstance(raw, list):
                out[key] = [
                    self.project(item, field_type, self.walker.sub(nodes), nested) for item in raw
                ]
            else:
                out[key] = self.project(raw, field_type, self.walker.sub(nodes), nested)
        return out

    def write_connection(
        self,
        connection: GraphQLObjectType,
        nodes: list[FieldNode],
        resolver: Any,
        args: dict[str, Any],
        parent_id: str,
    ) -> None:
        node_type = get_named_type(connection.fields["nodes"].type)
        selections = self.walker.node_selections(connection, nodes)
        after: str | None = None
        while not self.stop.is_set():
            # A bulk query has no page size; read the whole connection page by page.
            with self.shop.lock:
                page = resolver(
                    None,
                    **{
                        **args,
                        "first": MAX_PAGE_SIZE,
                        "after": after,
                        "last": None,
                        "before": None,
                    },
                )
                views = list(page.nodes)
                info = page.pageInfo
            for view in views:
                self.write_row(view, node_type, selections, parent_id)
            if not info["hasNextPage"]:
                return
            after = info["endCursor"]


class BulkOperations:
    """The shop's bulk query operations: start, run in the background, report."""

    def __init__(self, shop: SandboxShop) -> None:
        self.shop = shop
        self._operations: dict[int, BulkOperation] = {}
        self._next_id = FIRST_BULK_OPERATION_ID
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # --- GraphQL-facing ---------------------------------------------------------

    def start(self, query: str, base_url: str) -> View:
        """The ``bulkOperationRunQuery`` payload: a new CREATED operation or user errors."""
        try:
            operation, walker = check_bulk_query(query)
        except BulkQueryInvalid as exc:
            return _user_error(str(exc), "INVALID")
        with self._lock:
            running = sum(
                1 for op in self._operations.values() if self._status(op) not in TERMINAL_STATUSES
            )
            if running >= MAX_RUNNING_BULK_QUERIES:
                # ASSUMPTION: LIMIT_REACHED for the 5-concurrent-queries limit of
                # API >= 2026-01 (OPERATION_IN_PROGRESS was the one-at-a-time error).
                return _user_error(
                    f"A maximum of {MAX_RUNNING_BULK_QUERIES} bulk query operations can run "
                    "at the same time.",
                    "LIMIT_REACHED",
                )
            record = BulkOperation(self._next_id, query, self.shop.clock())
            self._next_id += 1
            self._operations[record.id] = record
        thread = threading.Thread(
            target=self._run,
            args=(record, operation, walker),
            name=f"bulk-operation-{record.id}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()
        return {"bulkOperation": self._view(record, "CREATED", base_url), "userErrors": []}

    def poll_view(self, number: int, base_url: str) -> View | None:
        """The ``bulkOperation(id:)`` answer; each call counts as one poll."""
        with self._lock:
            record = self._operations.get(number)
            if record is None:
                return None
            record.polls += 1
            return self._view(record, self._status(record), base_url)

    def file_for(self, key: str) -> Path | None:
        """The finished JSONL file behind a result-URL key, if any."""
        with self._lock:
            for record in self._operations.values():
                if record.key == key and self._status(record) in TERMINAL_STATUSES:
                    path = self._path(record)
                    return path if path.exists() else None
        return None

    # --- in-process -------------------------------------------------------------

    def wait_until_finished(self, timeout: float = JOIN_TIMEOUT_SECONDS) -> bool:
        """Join the background writers (tests: instead of sleeping); True if all ended."""
        for thread in list(self._threads):
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def close(self) -> None:
        """Stop running writers."""
        self._stop.set()
        self.wait_until_finished()

    # --- internals --------------------------------------------------------------

    def _status(self, record: BulkOperation) -> str:
        if record.finished.is_set() and self.shop.is_due(record.polls, record.created_at):
            return record.final_status
        return "RUNNING" if record.polls else "CREATED"

    def _path(self, record: BulkOperation) -> Path:
        return self.shop.bulk_dir / f"{record.id}.jsonl"

    def _url(self, record: BulkOperation, base_url: str) -> str:
        return f"{base_url}{BULK_RESULTS_PREFIX}{record.key}.jsonl"

    def _view(self, record: BulkOperation, status: str, base_url: str) -> View:
        finished = status in TERMINAL_STATUSES
        has_file = finished and record.object_count > 0
        completed = status == "COMPLETED"
        return {
            "id": gid("BulkOperation", record.id),
            "status": status,
            "type": "QUERY",
            "errorCode": record.error_code if finished else None,
            "createdAt": iso(record.created_at),
            "completedAt": iso(record.completed_at) if finished and record.completed_at else None,
            "objectCount": str(record.object_count if finished else 0),
            "rootObjectCount": str(record.root_object_count if finished else 0),
            "fileSize": str(record.file_size) if has_file else None,
            "url": self._url(record, base_url) if has_file and completed else None,
            "partialDataUrl": self._url(record, base_url)
            if has_file and status == "FAILED"
            else None,
            "query": record.query,
        }

    def _run(
        self, record: BulkOperation, operation: OperationDefinitionNode, walker: SelectionWalker
    ) -> None:
        shop = self.shop
        root_nodes = walker.collect([operation.selection_set], executable_schema().query_type)
        ((_, nodes),) = root_nodes.items()
        scope, lister = ROOTS[nodes[0].name.value]
        path = self._path(record)
        try:
            if not shop.has_scope(scope):
                record.final_status, record.error_code = "FAILED", "ACCESS_DENIED"
                return
            query_type = executable_schema().query_type
            assert query_type is not None
            definition = query_type.fields[nodes[0].name.value]
            connection = get_named_type(definition.type)
            assert isinstance(connection, GraphQLObjectType)
            args = get_argument_values(definition, nodes[0], None)
            with shop.lock:
                rows = lister(shop, args)
            node_type = get_named_type(connection.fields["nodes"].type)
            selections = walker.node_selections(connection, nodes)
            with path.open("w", encoding="utf-8") as out:
                writer = _Writer(shop, walker, out, self._stop)
                for row in rows:
                    if self._stop.is_set():
                        break
                    writer.write_row(row, node_type, selections, None)
                    record.root_object_count += 1
                    record.object_count = writer.objects
            record.object_count = writer.objects
            record.file_size = path.stat().st_size
            record.final_status = "CANCELED" if self._stop.is_set() else "COMPLETED"
        except Exception:  # noqa: BLE001 - any crash is reported the way Shopify reports one
            record.final_status, record.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
            record.file_size = path.stat().st_size if path.exists() else 0
        finally:
            record.completed_at = shop.clock()
            record.finished.set()


def _user_error(message: str, code: str) -> View:
    return {
        "bulkOperation": None,
        "userErrors": [{"field": ["query"], "message": message, "code": code}],
    }
