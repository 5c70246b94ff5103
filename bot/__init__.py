"""colbot's fronts: the Telegram bot, the terminal chat and the command line."""
