"""One GraphQL request, from body bytes to Shopify's response, without HTTP.

Order of work, as Shopify does it: faults (injected before anything changes),
parse + validate (cached per query string), page-size checks, requested cost
(``MAX_COST_EXCEEDED`` over 1000), reserve it in the bucket (``THROTTLED``
when short), execute under the shop lock, refund requested - actual.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from .constants import MAX_QUERY_COST, QUERY_CACHE_SIZE, RATE_LIMITS_DOC
from .cost import actual_cost, requested_cost
from .faults import HTTP_STATUS, Fault, FaultPlan
from .resolvers import RequestContext
from .schema import executable_schema
from .state import SandboxShop

JsonBody = dict[str, Any]
Formatted = Any  # graphql-core's GraphQLFormattedError, a TypedDict

# ASSUMPTION: bodies of injected HTTP errors; Shopify's vary (JSON or HTML).
HTTP_ERROR_BODIES: dict[int, object] = {
    429: "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service.",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
BAD_REQUEST_BODY = {"query": "Required parameter missing or invalid"}


@dataclass
class Outcome:
    """What to send back (or not) for one request."""

    status: int
    body: JsonBody | None  # None: drop the connection without answering
    headers: dict[str, str] = field(default_factory=dict)
    operation: str | None = None
    fault: Fault | None = None
    throttled: bool = False
    requested_cost: int | None = None
    actual_cost: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """A query string parsed and validated once, reused for every request sending it."""

    document: DocumentNode | None
    errors: tuple[Formatted, ...]
    operations: dict[str | None, OperationDefinitionNode]
    fragments: dict[str, FragmentDefinitionNode]


class DocumentCache:
    """LRU cache of :class:`ParsedDocument` by query string."""

    def __init__(self, schema: GraphQLSchema, size: int = QUERY_CACHE_SIZE) -> None:
        self._schema = schema
        self._size = size
        self._entries: OrderedDict[str, ParsedDocument] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> ParsedDocument:
        """The parsed and validated form of ``query``."""
        with self._lock:
            found = self._entries.get(query)
            if found is not None:
                self._entries.move_to_end(query)
                return found
        parsed = self._parse(query)
        with self._lock:
            self._entries[query] = parsed
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return parsed

    def _parse(self, query: str) -> ParsedDocument:
        try:
            document = parse(query)
        except GraphQLError as error:
            return ParsedDocument(None, (error.formatted,), {}, {})
        errors = tuple(e.formatted for e in validate(self._schema, document))
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations[definition.name.value if definition.name else None] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
        return ParsedDocument(document, errors, operations, fragments)


def _pick_operation(parsed: ParsedDocument, name: str | None) -> OperationDefinitionNode | None:
    if name is not None:
        return parsed.operations.get(name)
    if len(parsed.operations) == 1:
        return next(iter(parsed.operations.values()))
    return None


class GraphQLEndpoint:
    """Serves ``POST /admin/api/2026-10/graphql.json`` bodies for one shop."""

    def __init__(
        self,
        shop: SandboxShop,
        faults: FaultPlan | None = None,
        wait: Callable[[float], object] | None = None,
        documents: DocumentCache | None = None,
    ) -> None:
        self.shop = shop
        self.faults = faults or FaultPlan()
        self.schema = executable_schema()
        # Parsed documents depend on the schema only: shops served together share them.
        self.documents = documents or DocumentCache(self.schema)
        # Waiting is a seam: the server passes an Event.wait that shutdown interrupts.
        self._wait = wait or threading.Event().wait

    def handle(
        self,
        raw_body: bytes,
        *,
        base_url: str,
        request_id: str,
        still_wanted: Callable[[], bool] = lambda: True,
    ) -> Outcome:
        """The outcome of one GraphQL POST body."""
        try:
            payload = json.loads(raw_body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return Outcome(400, {"errors": BAD_REQUEST_BODY})
        variables = payload.get("variables") or {}
        parsed = self.documents.get(payload["query"])
        operation = _pick_operation(parsed, payload.get("operationName"))
        name = payload.get("operationName") or (
            operation.name.value if operation is not None and operation.name else None
        )

        fault = self.faults.before(name)
        if fault is not None and fault is not Fault.SLOW:
            return self._fault_outcome(fault, name, request_id)
        if fault is Fault.SLOW:
            self._wait(self.faults.config.slow_seconds)
            if not still_wanted():
                # The client gave up while we waited: apply nothing, answer nothing.
                return Outcome(0, None, operation=name, fault=fault)

        outcome = self._run(parsed, operation, variables, base_url)
        outcome.operation, outcome.fault = name, fault
        is_mutation = operation is not None and operation.operation == OperationType.MUTATION
        if outcome.status == 200 and self.faults.after_commit(name, is_mutation):
            outcome.body, outcome.status, outcome.fault = None, 0, Fault.DROP_AFTER_COMMIT
        return outcome

    def _fault_outcome(self, fault: Fault, name: str | None, request_id: str) -> Outcome:
        if fault is Fault.DROP:
            return Outcome(0, None, operation=name, fault=fault)
        if fault is Fault.GRAPHQL_INTERNAL:
            message = (
                "Internal error. Looks like something went wrong on our end.\n"
                f"Request ID: {request_id} (include this in support requests)."
            )
            error = {
                "message": message,
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
            return Outcome(200, {"errors": [error]}, operation=name, fault=fault)
        status = HTTP_STATUS[fault]
        headers = {}
        if fault is Fault.HTTP_429:
            headers["Retry-After"] = str(self.faults.config.retry_after_seconds)
        return Outcome(
            status, {"errors": HTTP_ERROR_BODIES[status]}, headers, operation=name, fault=fault
        )

    def _cost(self, requested: int, actual: int | None) -> JsonBody:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.shop.bucket.status().as_json(),
            }
        }

    def _errors(
        self, errors: list[JsonBody], requested: int = 0, actual: int | None = 0
    ) -> Outcome:
        return Outcome(200, {"errors": errors, "extensions": self._cost(requested, actual)})

    def _run(
        self,
        parsed: ParsedDocument,
        operation: OperationDefinitionNode | None,
        variables: object,
        base_url: str,
    ) -> Outcome:
        if parsed.errors or parsed.document is None:
            return self._errors(list(parsed.errors))
        if operation is None:
            return self._errors([{"message": "An operation name is required"}])
        if not isinstance(variables, dict):
            return self._errors([{"message": "Variables must be an object"}])
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return self._errors([dict(e.formatted) for e in coerced])

        analysis = requested_cost(
            self.schema, operation.operation, operation.selection_set, parsed.fragments, coerced
        )
        requested = analysis.requested
        if analysis.problems:
            return self._errors(
                [
                    {"message": p.message, "path": p.path, "extensions": {"code": "BAD_REQUEST"}}
                    for p in analysis.problems
                ],
                requested,
            )
        if requested > MAX_QUERY_COST:
            return self._errors([_max_cost_error(requested)], requested, None)
        if not self.shop.bucket.try_reserve(requested):
            outcome = self._errors([THROTTLED_ERROR], requested, None)
            outcome.throttled = True
            outcome.requested_cost = requested
            return outcome

        with self.shop.lock:
            self.shop.settle()
            result = execute(
                self.schema,
                parsed.document,
                variable_values=variables,
                operation_name=operation.name.value if operation.name else None,
                context_value=RequestContext(self.shop, base_url),
                is_awaitable=_never_awaitable,  # resolvers are synchronous: skip the checks
            )
            assert not hasattr(result, "__await__"), "resolvers are synchronous"
            data = result.data
            errors = result.errors
        actual = min(
            requested,
            actual_cost(
                self.schema, operation.operation, operation.selection_set, parsed.fragments, data
            ),
        )
        self.shop.bucket.refund(requested - actual)
        body: JsonBody = {}
        if errors:
            body["errors"] = [e.formatted for e in errors]
        body["data"] = data
        body["extensions"] = self._cost(requested, actual)
        return Outcome(200, body, requested_cost=requested, actual_cost=actual)


def _never_awaitable(_value: Any) -> TypeGuard[Awaitable[Any]]:
    return False


THROTTLED_ERROR: JsonBody = {
    "message": "Throttled",
    "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC},
}


def _max_cost_error(requested: int) -> JsonBody:
    # Message as Shopify's client libraries surface it (issues: Shopify/shopify-app-js#577).
    # ASSUMPTION: the extension keys besides `code`.
    message = (
        f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({MAX_QUERY_COST}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used "
        "instead.\n"
        "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n"
    )
    return {
        "message": message,
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
    }
