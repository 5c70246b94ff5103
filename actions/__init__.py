"""rasa-sdk actions: search, details, course info, badges, subscribe; free of Telegram types."""
