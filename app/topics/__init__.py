"""The sixteen topic blueprints, in course order, mounted at ``/topics/<topic>/``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class Topic:
    """A topic of the course: its blueprint name and its titles."""

    name: str
    title_en: str
    title_zh: str

    def title(self, lang: str) -> str:
        """Return the title in ``lang`` (``zh`` or anything else for English)."""
        return self.title_zh if lang == "zh" else self.title_en


TOPICS: tuple[Topic, ...] = (
    Topic("intro", "Flask and WSGI", "Flask 与 WSGI"),
    Topic("config", "Configuration", "配置"),
    Topic("routing", "Routing", "路由"),
    Topic("views", "Views and responses", "视图与响应"),
    Topic("templating", "Templates", "模板"),
    Topic("hooks", "Request hooks", "请求钩子"),
    Topic("context", "Contexts", "上下文"),
    Topic("sessions", "Sessions", "会话"),
    Topic("flash", "Flash messages", "闪现消息"),
    Topic("blueprints", "Blueprints", "蓝图"),
    Topic("signals", "Signals", "信号"),
    Topic("middleware", "Middleware", "中间件"),
    Topic("websockets", "WebSockets", "WebSocket"),
    Topic("forms", "Forms", "表单"),
    Topic("database", "Databases and SQLAlchemy", "数据库与 SQLAlchemy"),
    Topic("ecosystem", "The ecosystem", "生态与扩展"),
)

TOPIC_NAMES: tuple[str, ...] = tuple(topic.name for topic in TOPICS)
TOPICS_BY_NAME: dict[str, Topic] = {topic.name: topic for topic in TOPICS}


def register_topics(app: Flask) -> None:
    """Import each topic package and mount its blueprint under /topics/<topic>."""
    for name in TOPIC_NAMES:
        package = importlib.import_module(f"app.topics.{name}")
        app.register_blueprint(package.bp, url_prefix=f"/topics/{name}")
