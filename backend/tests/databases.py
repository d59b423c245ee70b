"""A database of its own, beside the one DATABASE_URL names, for the suites that run the real server
(e2e, soak): each run starts from an empty PostgreSQL database, whatever an earlier run left behind."""

from urllib.parse import urlsplit, urlunsplit


def with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def name_of(url: str) -> str:
    return urlsplit(url).path.strip("/") or "kckp"


def recreate(url: str, suffix: str) -> str:
    """Drop and create `<database>_<suffix>` on the server of `url`; return its URL."""
    import psycopg

    name = f"{name_of(url)}_{suffix}"
    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return with_name(url, name)


def drop(url: str) -> None:
    import psycopg

    name = name_of(url)
    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
