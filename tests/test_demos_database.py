"""The database demos: three query styles, session scoping, pools, and the default= bug."""

from __future__ import annotations

import pytest

from app.topics.database.throwaway import EventCalledOnce

JSON = {"Accept": "application/json"}


def demo(client, which, **query):
    response = client.get(f"/topics/database/demo/{which}", query_string=query, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["result"]


def test_three_ways_find_the_same_row(client):
    result = demo(client, "queries", name="Grace")
    assert [run["way"] for run in result["runs"]] == ["ORM", "Core", "text()"]
    for run in result["runs"]:
        assert run["rows"] == [[2, "Grace", "Arlington"]]
        (statement,) = run["statements"]
        assert statement["parameters"] == ["Grace"]
        assert "?" in statement["sql"]
        assert "Grace" not in statement["sql"]


def test_injection_is_only_ever_bound(client):
    attack = "x' OR '1'='1"
    result = demo(client, "queries", name=attack)
    for run in result["runs"]:
        assert run["rows"] == []  # nobody is literally called that
        assert run["statements"][0]["parameters"] == [attack]
        assert "OR" not in run["statements"][0]["sql"]
    assert result["formatted_sql"] == "SELECT id, name, city FROM person WHERE name = 'x' OR '1'='1'"
    assert result["quote_in_name"] is True


def test_the_apps_own_database_is_untouched(app, client):
    import sqlalchemy as sa

    from app.extensions import db

    demo(client, "queries", name="Ada")
    demo(client, "defaults")
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
    assert "person" not in tables
    assert "event_called_once" not in tables


def test_scoped_session_is_per_thread(client):
    scoped = demo(client, "sessions")["scoped_session"]
    here = scoped["registry_here"]
    assert here[0] == here[1]
    assert scoped["registry_same_thread_same_session"] is True
    assert scoped["registry_other_thread"] != here[0]
    assert scoped["registry_other_thread_differs"] is True
    assert scoped["sessionmaker_same"] is False
    assert scoped["sessionmaker_twice"][0] != scoped["sessionmaker_twice"][1]


def test_flask_sqlalchemy_session_is_per_app_context(client):
    flask_sqlalchemy = demo(client, "sessions")["flask_sqlalchemy"]
    first = flask_sqlalchemy["first_context"]
    assert first[0] == first[1]
    assert flask_sqlalchemy["same_within_context"] is True
    assert flask_sqlalchemy["second_context"] != first[0]
    assert flask_sqlalchemy["differs_across_contexts"] is True


def test_queue_pool_counts(client):
    steps = demo(client, "pool", checkouts=4, pool_size=2, max_overflow=1)["queue_pool"]
    counters = [(s["step"], s.get("checkedout"), s.get("overflow"), s.get("checkedin")) for s in steps]
    assert counters[0] == ("start", 0, -2, 0)
    assert counters[1] == ("checkout 1", 1, -1, 0)
    assert counters[2] == ("checkout 2", 2, 0, 0)
    assert counters[3] == ("checkout 3", 3, 1, 0)
    assert steps[4]["step"] == "checkout 4"
    assert "QueuePool limit of size 2 overflow 1 reached" in steps[4]["error"]
    # Returned: the pool keeps pool_size connections and closes the overflow one.
    assert steps[-1] == {"step": "all returned", "size": 2, "checkedin": 2, "checkedout": 0, "overflow": 0}


def test_pooled_db_counts(client):
    steps = demo(client, "pool", checkouts=4, pool_size=2, max_overflow=1)["pooled_db"]
    assert steps[0] == {"step": "start", "idle": 2, "used": 0}
    assert steps[1] == {"step": "connection 1", "idle": 1, "used": 1}
    assert steps[3] == {"step": "connection 3", "idle": 0, "used": 3}
    assert steps[4] == {"step": "connection 4", "error": "TooManyConnections"}
    assert steps[-1] == {"step": "all closed", "idle": 3, "used": 0}


@pytest.mark.parametrize(
    "query",
    [
        {"checkouts": "11"},
        {"checkouts": "-1"},
        {"pool_size": "0"},
        {"max_overflow": "6"},
        {"checkouts": "1e9"},
    ],
)
def test_pool_inputs_are_bounded(client, query):
    assert client.get("/topics/database/demo/pool", query_string=query, headers=JSON).status_code == 400


def test_default_called_once_is_the_same_for_every_row(client):
    result = demo(client, "defaults", rows=3, gap_ms=10)
    once = result["timestamps"]["called_once"]
    each = result["timestamps"]["called_each_time"]
    assert len(set(once)) == 1
    assert once[0] == EventCalledOnce.__table__.c.created_at.default.arg.isoformat()
    assert len(set(each)) == 3
    assert each == sorted(each)
    assert all(stamp.endswith("+00:00") for stamp in each)
    assert result["defaults"]["called_once"]["is_scalar"] is True
    assert result["defaults"]["called_each_time"]["is_callable"] is True


@pytest.mark.parametrize("query", [{"rows": "1"}, {"rows": "6"}, {"gap_ms": "101"}])
def test_defaults_inputs_are_bounded(client, query):
    assert client.get("/topics/database/demo/defaults", query_string=query, headers=JSON).status_code == 400


def test_oversize_name_is_a_400(client):
    response = client.get("/topics/database/demo/queries", query_string={"name": "x" * 51}, headers=JSON)
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["queries", "sessions", "pool", "defaults"])
def test_pages_render(client, name):
    response = client.get(f"/topics/database/demo/{name}")
    assert response.status_code == 200
    assert "The code that just ran" in response.get_data(as_text=True)


def test_xray_of_the_queries_demo(client):
    body = client.get("/topics/database/demo/queries", query_string={"name": "Ada"}, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert trace["endpoint"] == "database.demo_queries"
    assert trace["view_args"] == {}
    names = [event["name"] for event in trace["events"]]
    assert names[-1] == "app context popped"
    assert "teardown_appcontext" in names
