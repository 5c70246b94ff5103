"""The Telegram front: a python-telegram-bot Application whose handlers only translate between
Telegram and the dialogue, one module per area (search, saved, knowledge, language and privacy),
wired in app.py."""
