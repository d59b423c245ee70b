"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis 4, in-process WSGI).

Each operation is fuzzed as the city admin and as an owner, with valid (positive) and invalid
(negative: wrong types, missing fields, out-of-range values) requests. Two checks: no 5xx (`not_a_server_error`)
and every documented answer matches its schema (`response_schema_conformance`). Path parameters are
half the time replaced by ids that exist in the caller's scope, so the happy paths are reached too.

Every example runs inside a savepoint that is rolled back, so a generated "disable user 1" or
"drop the admin role's permissions" cannot change what the next example sees. The runs are
derandomised (same examples every time, no flaky CI) and bounded by EXAMPLES.

No operation is excluded: the media and CSV download endpoints are small with the demo data. The map
service (`GEOCODER_URL`) is the local fake AMap (`apps.units.fake_amap`), so the address endpoints run their
whole path without reaching a network; without it, address search answers a documented 503, which
`not_a_server_error` would count as a failure.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = {"admin": int(os.environ.get("FUZZ_EXAMPLES", "15")), "owner": int(os.environ.get("FUZZ_OWNER_EXAMPLES", "6"))}
CHECKS = [not_a_server_error, response_schema_conformance]
METHODS = ("get", "post", "put", "patch", "delete")


def _operations() -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_schema():
    from drf_spectacular.generators import SchemaGenerator

    from config.wsgi import application

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application
    return schema


@pytest.fixture
def same_connection():
    """Like Django's test client: keep the test's connection (and its transaction) across WSGI requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fake_map(settings):
    from apps.units.fake_amap import FakeAMap

    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url, amap.key
        yield amap


@pytest.fixture
def world(clients, cases):
    """Tokens and real path-parameter values per role."""
    from apps.accounts.models import User
    from apps.guide.models import Article, SlotExample
    from apps.insurers.models import InsuranceCompany
    from apps.units.models import Unit

    def token(client) -> str:
        return client._credentials["HTTP_AUTHORIZATION"]

    owner = clients("owner")
    draft = owner.post("/api/v1/owner/cases", {}, format="json").json()
    # One slot with an example photo, so the caption edit and the removal reach their happy paths too.
    SlotExample.objects.get_or_create(slot="scene_front", defaults={"image": "0" * 64 + ".jpg", "caption": "车头正前方"})
    media_ids = [m["id"] for m in cases["pingguo"]["media"]]
    admin_ids = {
        "id": [cases["pingguo"]["id"], cases["tiandong"]["id"], *Unit.objects.values_list("pk", flat=True)[:3],
               *User.objects.values_list("pk", flat=True)[:3], *Article.objects.values_list("pk", flat=True)[:3],
               *InsuranceCompany.objects.values_list("pk", flat=True)[:2]],
        "receipt_no": [cases["pingguo"]["receipt_no"]],
        "key": ["fraud_threshold", "media_url_ttl_seconds"],
        "code": ["officer", "city_admin"],
        "name": ["missing.jpg"],
        "media_id": media_ids,
        "slot": ["scene_front", "policy"],
    }
    owner_ids = {"id": [draft["id"], cases["pingguo"]["id"]], "media_id": media_ids,
                 "receipt_no": [cases["pingguo"]["receipt_no"]]}
    return {"admin": (token(clients("admin")), admin_ids), "owner": (token(owner), owner_ids)}


def _with_real_ids(case_strategy, ids: dict):
    """Half the examples use the generated path parameters, half use ids known to exist."""

    def replace(args):
        case, use_real, picks = args
        if use_real and case.path_parameters:
            for name in case.path_parameters:
                if name in ids:
                    case.path_parameters[name] = ids[name][picks % len(ids[name])]
        return case

    return st.tuples(case_strategy, st.booleans(), st.integers(0, 50)).map(replace)


def _fuzz(operation, authorization: str, ids: dict, examples: int) -> list[str]:
    failures: list[str] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=_with_real_ids(st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                                         operation.as_strategy(GenerationMode.NEGATIVE)), ids))
    def run(case):
        with transaction.atomic():
            try:
                case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # collect and go on: every distinct failure of every operation is reported
                text = "\n".join(line for line in str(exc).splitlines() if line.strip())[:1500]
                if not any(text[:300] in f for f in failures):
                    failures.append(f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:300]}\n{text}")
            finally:
                transaction.set_rollback(True)

    run()
    return failures


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_fuzz(api_schema, world, same_connection, fake_map, role):
    """One test per role (the world is built once): every operation, every distinct failure listed."""
    authorization, ids = world[role]
    failures = []
    for method, path in OPERATIONS:
        failures += _fuzz(api_schema[path][method], authorization, ids, EXAMPLES[role])
    assert not failures, f"{len(failures)} failures\n\n" + "\n\n".join(failures[:10])
    if role == "owner":
        assert fake_map.calls["/v3/place/text"] and fake_map.calls["/v3/geocode/regeo"]  # the fuzzer got through
