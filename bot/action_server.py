"""The rasa-sdk action server as a front of colbot: the actions of the one Dialogue, built from
the settings with their services, served to a Rasa deployment on /webhook (`python -m bot
actions --port 5055`). rasa-sdk's own loader cannot give actions their services, so the
executor is filled with the very objects the bot calls in-process."""

from __future__ import annotations

import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from bot.services import Services


def action_executor(services: Services) -> ActionExecutor:
    executor = ActionExecutor()
    for action in services.dialogue.actions.values():
        executor.register_action(action)
    return executor


def serve_actions(services: Services, port: int, host: str = "127.0.0.1") -> int:
    """Serve until stopped; one process, since the actions hold the index in memory."""
    services.catalogue.searcher  # noqa: B018 - load the index before the first call
    app = create_app(action_executor(services))
    print(f"colbot: actions served on http://{host}:{port}/webhook", file=sys.stderr)
    app.prepare(host=host, port=port, single_process=True, motd=False, access_log=False)
    Sanic.serve_single(app)
    return 0
