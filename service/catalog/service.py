"""Catalog operations: lookups with suggestions, ETags and preconditions, and the writes.

Every write validates everything (body, references, If-Match) before it touches a row, marks the row
``user_modified``, bumps its ``revision`` and the catalog version, and only flushes: the request's session
dependency commits, or rolls everything back when anything raised.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from service.catalog import repository, schemas
from service.catalog.seed_data import slug
from service.problems import Problem
from service.tables import Base, Model, Platform, Price, utcnow


@dataclass(frozen=True)
class Kind:
    """One editable catalog table and its API shapes."""

    name: str
    plural: str
    table: type[Base]
    read: type[BaseModel]
    replace: type[BaseModel]


PLATFORMS = Kind("platform", "platforms", Platform, schemas.PlatformRead, schemas.PlatformReplace)
MODELS = Kind("model", "models", Model, schemas.ModelRead, schemas.ModelReplace)
PRICES = Kind("price", "prices", Price, schemas.PriceRead, schemas.PriceReplace)


# ---- errors -------------------------------------------------------------------------------------------


def closest(wanted: str, candidates: Iterable[str], *, n: int = 5) -> list[str]:
    """Ids that contain ``wanted`` (``h100`` -> every H100 row); else difflib's close matches; else the
    three most similar ids however far, so that a 404 always offers something to try."""
    candidates = sorted(candidates)
    needle = wanted.lower().strip()
    containing = [c for c in candidates if needle and needle in c.lower()]
    if containing:
        return containing[:n]
    return difflib.get_close_matches(wanted, candidates, n=n, cutoff=0.6) or difflib.get_close_matches(
        wanted, candidates, n=3, cutoff=0.0
    )


def not_found(kind: str, wanted: str, candidates: Iterable[str]) -> Problem:
    """404 problem for an unknown ``kind`` id (``kind`` = "platform", "model", "price"...), naming the
    closest known ids in ``suggestions`` and in the detail."""
    suggestions = closest(wanted, candidates)
    plural = "prices" if kind == "price" else f"{kind}s"
    if suggestions:
        detail = f"No {kind} '{wanted}'. Closest ids: {', '.join(suggestions)}."
    else:
        detail = f"No {kind} '{wanted}', and no id is close. GET /v1/{plural} lists them all."
    return Problem(404, "not-found", detail, title=f"Unknown {kind}", suggestions=suggestions)


def _unknown_reference(field: str, kind: str, wanted: str, candidates: Iterable[str]) -> Problem:
    suggestions = closest(wanted, candidates)
    hint = f" Closest ids: {', '.join(suggestions)}." if suggestions else f" GET /v1/{kind}s lists them."
    return Problem(
        422,
        "unknown-reference",
        f"{field} names a {kind} that does not exist: '{wanted}'.{hint}",
        title="Unknown reference",
        field=field,
        suggestions=suggestions,
    )


def _invalid(exc: ValidationError) -> Problem:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Problem(
        422,
        "invalid-request",
        f"The changes would leave the row invalid: {summary}. Correct the named fields and retry.",
        title="Invalid request",
        errors=errors,
    )


# ---- ETags and preconditions --------------------------------------------------------------------------


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def etag(payload: Any) -> str:
    """Strong ETag: sha256 over the canonical JSON of the representation."""
    return '"' + hashlib.sha256(canonical_json(payload)).hexdigest() + '"'


def item_etag(item: dict[str, Any]) -> str:
    """ETag of one row: its data and ``revision``; timestamps are left out because ``revision`` already
    moves with every write, and their text form is the one thing that can differ between backends."""
    return etag({k: v for k, v in item.items() if k not in ("created_at", "updated_at")})


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def etag_matches(header: str | None, current: str) -> bool:
    """True when ``header`` (an If-None-Match or If-Match value) names ``current`` or is ``*``."""
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or current.removeprefix("W/") in tags


def check_if_match(if_match: str | None, *, current: str, kind: str, item_id: str) -> None:
    """412 when the client's If-Match names another version of the row than the stored one."""
    if if_match is None or etag_matches(if_match, current):
        return
    raise Problem(
        412,
        "precondition-failed",
        f"The {kind} '{item_id}' changed since you read it (If-Match {if_match} does not match). "
        "Nothing was changed; GET it again and retry with its current ETag.",
        title="Precondition failed",
        current_etag=current,
    )


# ---- reads --------------------------------------------------------------------------------------------


def to_read(kind: Kind, row: Base) -> dict[str, Any]:
    return kind.read.model_validate(row).model_dump(mode="json")


def get_row(session: Session, kind: Kind, item_id: str) -> Any:
    row = repository.get(session, kind.table, item_id)
    if row is None:
        raise not_found(kind.name, item_id, repository.ids(session, kind.table))
    return row


def get_item(session: Session, kind: Kind, item_id: str) -> dict[str, Any]:
    return to_read(kind, get_row(session, kind, item_id))


def list_page(
    session: Session,
    table: type[Base],
    read: type[BaseModel],
    *,
    filters: Sequence[Any] = (),
    limit: int,
    offset: int,
) -> dict[str, Any]:
    rows, total = repository.page(session, table, filters=filters, limit=limit, offset=offset)
    return {
        "items": [read.model_validate(row).model_dump(mode="json") for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


# ---- writes -------------------------------------------------------------------------------------------


def _check_references(session: Session, kind: Kind, item_id: str, values: dict[str, Any]) -> None:
    if kind is PLATFORMS and values.get("per_accelerator_platform_id"):
        target_id = values["per_accelerator_platform_id"]
        if target_id == item_id:
            raise _unknown_reference("per_accelerator_platform_id", "platform", target_id, [])
        target = repository.get(session, Platform, target_id)
        if target is None:
            candidates = repository.ids(session, Platform)
            raise _unknown_reference("per_accelerator_platform_id", "platform", target_id, candidates)
        if target.per_accelerator_platform_id:
            raise Problem(
                422,
                "invalid-reference",
                f"per_accelerator_platform_id must name a single-accelerator platform; '{target_id}' is itself "
                f"made of '{target.per_accelerator_platform_id}'. Use that id.",
                title="Invalid reference",
                field="per_accelerator_platform_id",
                suggestions=[target.per_accelerator_platform_id],
            )
    if kind is PRICES and repository.get(session, Platform, values["platform_id"]) is None:
        candidates = repository.ids(session, Platform)
        raise _unknown_reference("platform_id", "platform", values["platform_id"], candidates)


def _written(session: Session, kind: Kind, row: Any) -> dict[str, Any]:
    row.user_modified = True
    row.updated_at = utcnow()
    session.flush()
    repository.bump_catalog_version(session)
    return to_read(kind, row)


def create_item(session: Session, kind: Kind, data: BaseModel) -> dict[str, Any]:
    """Insert a new row; 409 when the id is taken, 422 when it names a missing platform."""
    values = data.model_dump()
    if kind is PRICES and not values.get("id"):
        values["id"] = slug(values["platform_id"], values["provider"], values["pricing_type"])
    item_id = values["id"]
    if repository.get(session, kind.table, item_id) is not None:
        raise Problem(
            409,
            "already-exists",
            f"A {kind.name} with id '{item_id}' already exists. Use PUT /v1/{kind.plural}/{item_id} to replace "
            f"it or PATCH to change some fields, or choose another id.",
            title="Already exists",
            id=item_id,
        )
    _check_references(session, kind, item_id, values)
    row = kind.table(**values, revision=1, created_at=utcnow())
    repository.add(session, row)
    repository.remove_tombstone(session, kind.table.__tablename__, item_id)
    return _written(session, kind, row)


def replace_item(
    session: Session, kind: Kind, item_id: str, data: BaseModel, *, if_match: str | None
) -> dict[str, Any]:
    """Replace every field of an existing row (PUT)."""
    row = get_row(session, kind, item_id)
    check_if_match(if_match, current=item_etag(to_read(kind, row)), kind=kind.name, item_id=item_id)
    values = data.model_dump()
    _check_references(session, kind, item_id, values)
    return _apply(session, kind, row, values)


def update_item(
    session: Session, kind: Kind, item_id: str, patch: BaseModel, *, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent (PATCH); the merged row must pass the same validation as a PUT."""
    row = get_row(session, kind, item_id)
    check_if_match(if_match, current=item_etag(to_read(kind, row)), kind=kind.name, item_id=item_id)
    current = {name: getattr(row, name) for name in kind.replace.model_fields}
    merged = {**current, **patch.model_dump(exclude_unset=True)}
    try:
        values = kind.replace.model_validate(merged).model_dump()
    except ValidationError as exc:
        raise _invalid(exc) from None
    _check_references(session, kind, item_id, values)
    return _apply(session, kind, row, values)


def _apply(session: Session, kind: Kind, row: Any, values: dict[str, Any]) -> dict[str, Any]:
    for name, value in values.items():
        setattr(row, name, value)
    row.revision += 1
    return _written(session, kind, row)


def delete_item(session: Session, kind: Kind, item_id: str, *, if_match: str | None) -> None:
    """Delete a row; 409 naming the rows that still reference it. A seeded row stays deleted: the seeder
    does not bring it back."""
    row = get_row(session, kind, item_id)
    check_if_match(if_match, current=item_etag(to_read(kind, row)), kind=kind.name, item_id=item_id)
    if kind is PLATFORMS:
        references = repository.platform_references(session, item_id)
        if references:
            listed = "; ".join(f"{what}: {', '.join(found)}" for what, found in references.items())
            raise Problem(
                409,
                "still-referenced",
                f"The platform '{item_id}' is still referenced ({listed}). Delete those rows or point them at "
                "another platform first, then retry.",
                title="Still referenced",
                references=references,
            )
    repository.remove(session, row)
    repository.add_tombstone(session, kind.table.__tablename__, item_id)
    repository.bump_catalog_version(session)
