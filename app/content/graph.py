"""The prerequisite graph: its cycles, and the course order that respects it."""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from app.content.model import Lesson


def course_order(lessons: Mapping[str, Lesson], topics: tuple[str, ...]) -> tuple[str, ...]:
    """Return every slug in course order: topics, then lesson order, prerequisites first."""
    rank = {topic: index for index, topic in enumerate(topics)}

    def key(slug: str) -> tuple[int, int, str]:
        lesson = lessons[slug]
        return rank.get(lesson.topic, len(rank)), lesson.order, slug

    waiting = {
        slug: {p for p in lesson.prerequisites if p in lessons and p != slug}
        for slug, lesson in lessons.items()
    }
    dependants: dict[str, list[str]] = {slug: [] for slug in lessons}
    for slug, needs in waiting.items():
        for need in needs:
            dependants[need].append(slug)
    ready = [key(slug) for slug, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    rv: list[str] = []
    while ready:
        slug = heapq.heappop(ready)[2]
        rv.append(slug)
        for dependant in dependants[slug]:
            waiting[dependant].discard(slug)
            if not waiting[dependant]:
                heapq.heappush(ready, key(dependant))
    # Lessons caught in a cycle (reported as a problem) still get a place.
    placed = set(rv)
    rv.extend(sorted((slug for slug in lessons if slug not in placed), key=key))
    return tuple(rv)


def find_cycles(graph: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """Return each prerequisite cycle once, as [a, b, …, a]."""
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                members = frozenset(cycle)
                if members not in seen:
                    seen.add(members)
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles
