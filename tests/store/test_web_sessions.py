"""The web front's working tables (`store.web_sessions`) on SQLite and PostgreSQL: a sign-in link works once
even when two web processes redeem it at the same moment, expires, and stays bound to its browser; sessions
and OpenID Connect sign-ins under way are shared through the database."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from store.event_store import EventStore
from store.web_sessions import WebSessionStore

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
LIFETIME = timedelta(minutes=15)


def test_a_link_is_redeemed_once_in_its_own_browser_before_it_expires(store: EventStore) -> None:
    table = WebSessionStore(store.engine)
    table.add_link("t1", "director", "b1", "/tasks", NOW, LIFETIME)
    assert table.redeem_link("t1", "b2", NOW)[0] == "other-browser"
    outcome, row = table.redeem_link("t1", "b1", NOW + timedelta(minutes=1))
    assert outcome == "ok" and row is not None and (row.person_id, row.next_path) == ("director", "/tasks")
    assert table.redeem_link("t1", "b1", NOW + timedelta(minutes=2))[0] == "used"
    table.add_link("t2", "director", "b1", None, NOW, LIFETIME)
    assert table.redeem_link("t2", "b1", NOW + LIFETIME)[0] == "expired"
    assert table.redeem_link("nope", "b1", NOW) == ("unknown", None)


def test_two_processes_redeeming_one_link_at_once_sign_in_only_one(store_url: str) -> None:
    stores = [EventStore.open(store_url) for _ in range(4)]
    try:
        WebSessionStore(stores[0].engine).add_link("t", "director", "b", None, NOW, LIFETIME)
        with ThreadPoolExecutor(max_workers=len(stores)) as pool:
            outcomes = list(
                pool.map(lambda opened: WebSessionStore(opened.engine).redeem_link("t", "b", NOW)[0], stores)
            )
    finally:
        for opened in stores:
            opened.close()
    assert sorted(outcomes) == ["ok", "used", "used", "used"]


def test_sessions_are_shared_touched_and_ended_through_the_database(store_url: str) -> None:
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        one, other = WebSessionStore(first.engine), WebSessionStore(second.engine)
        one.add_session("s", "director", "oidc", NOW, NOW + timedelta(hours=12))
        seen = other.session("s")
        assert seen is not None and (seen.person_id, seen.sign_in, seen.ended_at) == ("director", "oidc", None)
        other.touch("s", NOW + timedelta(minutes=5))
        touched = one.session("s")
        assert touched is not None and touched.last_seen_at == NOW + timedelta(minutes=5)
        one.end_session("s", NOW + timedelta(minutes=6))
        ended = other.session("s")
        assert ended is not None and ended.ended_at == NOW + timedelta(minutes=6)
        assert other.session("unknown") is None
    finally:
        first.close()
        second.close()


def test_an_oidc_sign_in_completes_once_in_the_browser_that_began_it(store: EventStore) -> None:
    table = WebSessionStore(store.engine)
    table.add_oidc_login("state", "b1", "/board", NOW, timedelta(minutes=10))
    assert table.redeem_oidc_login("state", "b2", NOW) is None
    pending = table.redeem_oidc_login("state", "b1", NOW)
    assert pending is not None and pending.next_path == "/board"
    assert table.redeem_oidc_login("state", "b1", NOW) is None
    table.add_oidc_login("late", "b1", None, NOW, timedelta(minutes=10))
    assert table.redeem_oidc_login("late", "b1", NOW + timedelta(minutes=10)) is None


def test_rows_long_expired_are_pruned_when_new_ones_are_written(store: EventStore) -> None:
    table = WebSessionStore(store.engine)
    table.add_link("old", "director", "b", None, NOW, LIFETIME)
    table.add_link("new", "director", "b", None, NOW + timedelta(days=2), LIFETIME)
    assert table.redeem_link("old", "b", NOW)[0] == "unknown"
    assert table.redeem_link("new", "b", NOW + timedelta(days=2))[0] == "ok"
