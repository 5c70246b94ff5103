"""The /post conversations after a restart: PTB keeps a ConversationHandler's states in
memory; this persistence keeps nothing of its own and reads them back from the drafts under
way in the database (those not put aside with /cancel), so an editor who writes again continues
at the step they were at."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from organisations.posting import PostingService

CONVERSATION = "post"  # the /post ConversationHandler's name
DRAFTING = "drafting"  # its one state: the step itself is the draft's, in the database


class DraftConversations(BasePersistence):
    """Keeps nothing of its own: after a restart, the /post conversations are those of the
    drafts under way in the database (not put aside with /cancel)."""

    def __init__(self, posts: PostingService) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            )
        )
        self.posts = posts

    async def get_conversations(self, name: str) -> dict:
        if name != CONVERSATION:
            return {}
        ids = await asyncio.to_thread(self.posts.drafting)
        return {(telegram_id, telegram_id): DRAFTING for telegram_id in ids}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        """The step is saved with every answer (organisations.posting)."""

    async def get_user_data(self) -> dict:
        return {}

    async def get_chat_data(self) -> dict:
        return {}

    async def get_bot_data(self) -> Any:
        return None

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: Any) -> None:
        """Not kept."""

    async def update_chat_data(self, chat_id: int, data: Any) -> None:
        """Not kept."""

    async def update_bot_data(self, data: Any) -> None:
        """Not kept."""

    async def update_callback_data(self, data: Any) -> None:
        """Not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not kept."""

    async def refresh_user_data(self, user_id: int, user_data: Any) -> None:
        """Not kept."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Any) -> None:
        """Not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Not kept."""

    async def flush(self) -> None:
        """Nothing to write."""
