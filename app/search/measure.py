"""Measure the search index on the real course: ``python -m app.search.measure``.

Prints the build time, the index's size (memory allocated while building it) and the query
time in process, p50 and p99, over a fixed set of queries in both languages, typos and
as-you-type prefixes included.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

from app.content.catalog import CatalogBuilder
from app.content.model import Catalog
from app.search.index import SearchIndex
from app.search.index import build_index
from config import Config

#: Queries a learner types: identifiers, words, Chinese, typos, prefixes, nothing-found.
QUERIES: tuple[str, ...] = (
    "before_request",
    "url_for",
    "flask.g",
    "g.user",
    "request context",
    "application context",
    "teardown",
    "blueprint",
    "session cookie",
    "werkzeug",
    "wsgi",
    "jinja",
    "signals",
    "sqlalchemy session",
    "csrf",
    "websocket",
    "上下文",
    "蓝图",
    "请求钩子",
    "会话",
    "应用工厂",
    "模板",
    "信号",
    "befor_request",
    "url_fro",
    "contxt",
    "blueprnt",
    "sesion",
    "befo",
    "tear",
    "qwxzv",
    "teardwn_requst",
    "what happens when a request comes in",
    "the",
)


def measure(catalog: Catalog, rounds: int = 20) -> dict:
    """Return build and query timings of an index of ``catalog``."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    index = build_index(catalog)
    build_ms = (time.perf_counter() - started) * 1000
    build_cpu_ms = (time.process_time() - cpu) * 1000
    del index
    gc.collect()
    # Measured apart: tracing allocations slows the build several times over.
    tracemalloc.start()
    index = build_index(catalog)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    figures = {
        **index.stats(),
        "build_ms": round(build_ms, 1),
        "build_cpu_ms": round(build_cpu_ms, 1),
        "size_mb": round(size / 2**20, 1),
    }
    return {**figures, **query_times(index, rounds)}


def query_times(index: SearchIndex, rounds: int = 20) -> dict:
    """Return p50/p99/max query time in milliseconds (wall and CPU), page and as-you-type."""
    timings, cpu_timings = [], []
    for _ in range(rounds):
        for query in QUERIES:
            for lang, as_you_type, limit in (("en", False, 20), ("zh", True, 8)):
                started, cpu = time.perf_counter(), time.thread_time()
                index.search(query, lang, limit=limit, as_you_type=as_you_type)
                timings.append((time.perf_counter() - started) * 1000)
                cpu_timings.append((time.thread_time() - cpu) * 1000)
    rv: dict = {"queries": len(timings)}
    for name, values in (("", timings), ("cpu_", cpu_timings)):
        values.sort()
        rv[f"{name}p50_ms"] = round(statistics.median(values), 3)
        rv[f"{name}p99_ms"] = round(values[int(len(values) * 0.99) - 1], 3)
        rv[f"{name}max_ms"] = round(values[-1], 3)
    return rv


def main() -> None:
    """Build the real course and print the figures."""
    catalog = CatalogBuilder(Config.LESSONS_DIR, Config.QUIZZES_DIR).build()
    for key, value in measure(catalog).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
