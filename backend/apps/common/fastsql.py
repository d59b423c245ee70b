"""Row writes and reads of model instances without the ORM's query compiler.

The owner's draft and submission are the busiest writes of the service, and compiling each ORM
statement (`SQLInsertCompiler.as_sql` and friends) cost more CPU than PostgreSQL spent running it.
These helpers build each statement's text once per model, column set and database, and keep the
model's own semantics for the values: `pre_save()` (auto_now, auto_now_add) and
`get_db_prep_save()` (JSON, dates, foreign keys), so a row written here is the row `save()` writes
(plain values that a field would return unchanged skip the call chain: `_as_is()`).
They send no model signals: use them only for models nothing listens to.

The SQL is plain enough for both PostgreSQL and SQLite (3.35+ for RETURNING, 3.24+ for upserts);
row locks are taken where the database has them, as `select_for_update()` does.
"""

from functools import lru_cache

from django.db import connections, models
from django.db.models import Model


def _insert_fields(model: type[Model]) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)]


@lru_cache(maxsize=256)
def _insert_sql(model: type[Model], rows: int, using: str, upsert: tuple | None) -> str:
    qn = connections[using].ops.quote_name
    meta = model._meta
    row = "(" + ", ".join(["%s"] * len(_insert_fields(model))) + ")"
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in _insert_fields(model))}) "
           f"VALUES {', '.join([row] * rows)}")
    if upsert:
        sql += " " + upsert_clause(model, upsert, using)
    return sql + f" RETURNING {qn(meta.pk.column)}"


def upsert_clause(model: type[Model], upsert: tuple[tuple, tuple], using: str = "default") -> str:
    """`ON CONFLICT (unique fields) DO UPDATE SET` the fields to update, for `upsert=(unique, fields)`."""
    qn = connections[using].ops.quote_name
    unique, names = upsert
    columns = [qn(model._meta.get_field(n).column) for n in names]
    return (f"ON CONFLICT ({', '.join(qn(model._meta.get_field(n).column) for n in unique)}) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns))


def insert_columns(model: type[Model], using: str = "default", skip: tuple[str, ...] = ()) -> list[str]:
    """The quoted columns `insert()` writes for `model`, in order, without the fields named in `skip`."""
    qn = connections[using].ops.quote_name
    return [qn(f.column) for f in _insert_fields(model) if f.name not in skip]


# Fields whose database value is the Python value itself, when the value has the type given here or
# is None: `pre_save()` only reads the attribute and `get_db_prep_save()` returns it unchanged, after a
# chain of calls that was most of the preparation's cost. Exact classes only (a subclass may prepare
# differently); a value of another type takes the field's own way. Integers only where the backend
# passes them on as they are (with psycopg 3 Django wraps them in the column's integer type).
_AS_IS = {models.CharField: str, models.TextField: str, models.BooleanField: bool, models.FloatField: float,
          models.IntegerField: int, models.SmallIntegerField: int, models.BigIntegerField: int,
          models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int, models.PositiveBigIntegerField: int}
_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INTS_AS_IS: dict[str, bool] = {}  # per database vendor


def _vendor(conn) -> str:
    vendor = conn.vendor
    if vendor not in _INTS_AS_IS:
        _INTS_AS_IS[vendor] = type(conn.ops.adapt_integerfield_value(1, "IntegerField")) is int
    return vendor


@lru_cache(maxsize=1024)
def _as_is(field, vendor: str) -> type | None:
    if type(field) is models.ForeignKey:
        # The related row's id: an auto field prepares it without the backend's integer wrapping.
        return int if type(field.target_field) in _AUTO else None
    kind = _AS_IS.get(type(field))
    return None if kind is int and not _INTS_AS_IS[vendor] else kind


@lru_cache(maxsize=256)
def _plan(model: type[Model], names: tuple[str, ...] | None, skip: tuple[str, ...], vendor: str) -> tuple:
    """(field, type used as is or None) of the insert's fields (`names` None) or of the named ones."""
    fields = _insert_fields(model) if names is None else [model._meta.get_field(n) for n in names]
    return tuple((f, _as_is(f, vendor)) for f in fields if f.name not in skip)


def _prepared(obj: Model, plan: tuple, add: bool, conn) -> list:
    """`field.get_db_prep_save(field.pre_save(obj, add), conn)` for each field of the plan, without the
    calls where they change nothing."""
    values = []
    for field, kind in plan:
        if kind is None:
            values.append(field.get_db_prep_save(field.pre_save(obj, add), conn))
            continue
        value = getattr(obj, field.attname)
        values.append(value if value is None or type(value) is kind else field.get_db_prep_save(value, conn))
    return values


def insert_values(obj: Model, using: str = "default", skip: tuple[str, ...] = (), connection=None) -> list:
    """The values `insert()` writes for an unsaved instance, prepared by its fields (`pre_save()` first,
    so auto_now and auto_now_add are set on the instance too), in `insert_columns()` order.
    `connection`: the connection object of `using` when the caller holds it already."""
    conn = connection or connections[using]
    return _prepared(obj, _plan(type(obj), None, tuple(skip), _vendor(conn)), True, conn)


def insert(objs: list[Model], using: str = "default", upsert: tuple[tuple, tuple] | None = None) -> list[Model]:
    """INSERT instances of one model in one statement and set their primary keys.

    `upsert=((unique fields), (fields to update))` turns a conflict on the unique fields into an
    update of those fields, as `bulk_create(update_conflicts=True, ...)` does."""
    if not objs:
        return objs
    model = type(objs[0])
    conn = connections[using]
    if upsert is not None:
        upsert = (tuple(upsert[0]), tuple(upsert[1]))
    params = []
    for obj in objs:
        # As save() does: a parent saved after the child was built gives the child its id, and an
        # unsaved parent is refused instead of writing NULL.
        obj._prepare_related_fields_for_save("insert")
        params.extend(insert_values(obj, using, connection=conn))
    with conn.cursor() as cur:
        cur.execute(_insert_sql(model, len(objs), using, upsert), params)
        ids = [row[0] for row in cur.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    return objs


@lru_cache(maxsize=256)
def _update_sql(model: type[Model], names: tuple[str, ...], using: str) -> str:
    qn = connections[using].ops.quote_name
    return f"UPDATE {qn(model._meta.db_table)} SET {update_assignments(model, names, using)} WHERE {qn(model._meta.pk.column)} = %s"


def update_values(obj: Model, names: tuple[str, ...], using: str = "default", connection=None) -> list:
    """The values `update()` writes for the named fields, prepared by the fields (`pre_save()` first)."""
    conn = connection or connections[using]
    return _prepared(obj, _plan(type(obj), tuple(names), (), _vendor(conn)), False, conn)


def update_assignments(model: type[Model], names: tuple[str, ...], using: str = "default") -> str:
    """`col = %s, ...` of the named fields, in `update_values()` order."""
    qn = connections[using].ops.quote_name
    return ", ".join(f"{qn(model._meta.get_field(n).column)} = %s" for n in names)


def update(obj: Model, names: tuple[str, ...], using: str = "default") -> None:
    """UPDATE the named fields of one saved instance (auto_now fields only when named)."""
    conn = connections[using]
    params = update_values(obj, names, using, connection=conn)
    with conn.cursor() as cur:
        cur.execute(_update_sql(type(obj), names, using), [*params, obj.pk])


@lru_cache(maxsize=256)
def _select_plan(model: type[Model], where: str, using: str, lock: bool) -> tuple:
    conn = connections[using]
    qn = conn.ops.quote_name
    fields = model._meta.concrete_fields
    sql = f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {qn(model._meta.db_table)} WHERE {where}"
    if lock and conn.features.has_select_for_update:
        sql += " FOR UPDATE"
    # What the ORM applies to each column it reads: the backend's converters, then the field's.
    # The backend's are kept unbound: each thread has its own connection to call them with.
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        for convert in conn.ops.get_db_converters(col):
            unbound = getattr(convert, "__func__", None)
            converters.append((i, unbound, True, col) if unbound else (i, convert, False, col))
        for convert in col.get_db_converters(conn):
            converters.append((i, convert, False, col))
    return sql, tuple(f.attname for f in fields), converters


def select(model: type[Model], where: str, params: list, using: str = "default", lock: bool = False) -> list[Model]:
    """Instances of `model` whose rows match `where` (SQL over the model's columns, %s parameters),
    built as the ORM builds them (`from_db`, with the same value converters).
    `lock=True` takes the rows' locks like `select_for_update()`; it must run in a transaction."""
    conn = connections[using]
    sql, attnames, converters = _select_plan(model, where, using, lock)
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    objs = []
    for row in rows:
        if converters:
            row = list(row)
            for i, convert, backend, col in converters:
                row[i] = convert(conn.ops, row[i], col, conn) if backend else convert(row[i], col, conn)
        objs.append(model.from_db(using, attnames, row))
    return objs


def count(model: type[Model], where: str, params: list, using: str = "default") -> int:
    qn = connections[using].ops.quote_name
    with connections[using].cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} WHERE {where}", params)
        return cur.fetchone()[0]


def update_where(model: type[Model], values: dict, where: str, params: list, using: str = "default") -> int:
    """UPDATE the rows matching `where` to `values` ({field name: value}), each value prepared by its
    field as `QuerySet.update()` prepares it. Returns the number of rows."""
    conn = connections[using]
    qn = conn.ops.quote_name
    sql = f"UPDATE {qn(model._meta.db_table)} SET {update_assignments(model, tuple(values), using)} WHERE {where}"
    with conn.cursor() as cur:
        cur.execute(sql, [*where_values(model, values, connection=conn), *params])
        return cur.rowcount


def where_values(model: type[Model], values: dict, using: str = "default", connection=None) -> list:
    """The values `update_where()` writes for `values` ({field name: value}), in `update_assignments()`
    order, each prepared by its field."""
    conn = connection or connections[using]
    return [model._meta.get_field(name).get_db_prep_save(value, conn) for name, value in values.items()]


_PARSED = (models.DateTimeField, models.DateField, models.TimeField, models.UUIDField, models.DecimalField, models.FloatField)


@lru_cache(maxsize=64)
def _json_plan(model: type[Model]) -> tuple:
    # JSON gives integers, strings, booleans and nested JSON as Python has them; timestamps, dates,
    # UUIDs and decimals arrive as text, and a float may arrive as an integer (106.0 as 106): these go
    # through the field as a form value would.
    fields = model._meta.concrete_fields
    return tuple(f.attname for f in fields), tuple((f.column, f if isinstance(f, _PARSED) else None) for f in fields)


def from_json(model: type[Model], row: dict, using: str = "default") -> Model:
    """An instance of `model` from its row as PostgreSQL's `row_to_json()` gives it (keys are columns)."""
    attnames, columns = _json_plan(model)
    values = []
    for column, field in columns:
        value = row[column]
        values.append(value if field is None or value is None else field.to_python(value))
    return model.from_db(using, attnames, values)


# ---- new instances -------------------------------------------------------------------------------

_CONSTANT = (type(None), str, bool, int, float)


@lru_cache(maxsize=64)
def _new_plan(model: type[Model]) -> tuple | None:
    """What `model()` sets before its keyword arguments: per concrete field its attribute name and
    either a constant default or the field to ask. None for a model with `pre_init`/`post_init`
    receivers (those must run; `new()` then calls the model)."""
    from django.db.models import signals

    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return None
    defaults, computed = {}, []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            computed.append(field)
            continue
        value = field.get_default()
        if type(value) in _CONSTANT:
            defaults[field.attname] = value
        else:
            computed.append(field)
    names = {f.name for f in model._meta.fields} | {f.attname for f in model._meta.fields}
    return defaults, tuple(computed), frozenset(names)


def new(model: type[Model], **values) -> Model:
    """`model(**values)` for the few instances every owner draft and submission builds (a dozen per
    flow): the defaults that are plain constants are copied in one step instead of going field by
    field through `Model.__init__`; the others (callables, mutable values) are asked of the field
    each time, and the keyword arguments are set as attributes, through the fields' descriptors as
    `__init__` sets them. Anything else `__init__` would handle (a name that is not a field, init
    signals) goes to the model itself. A test holds both equal, model by model."""
    plan = _new_plan(model)
    if plan is None or not values.keys() <= plan[2]:
        return model(**values)
    defaults, computed, _ = plan
    obj = model.__new__(model)
    obj._state = models.base.ModelState()
    state = obj.__dict__
    state.update(defaults)
    for field in computed:
        state[field.attname] = field.get_default()
    for name, value in values.items():
        setattr(obj, name, value)
    return obj
