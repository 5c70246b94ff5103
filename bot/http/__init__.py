"""The HTTP service (DESIGN.md, "The flow of one message"): one ASGI application that serves what
colbot publishes — the Open Badges documents at the paths of `openbadges.urls.PublicUrls`, the
keys, the public badge pages — and, in production, the Telegram webhook.

`published` says what it serves (the facts a `BadgePublisher` hands over), `negotiation` picks a
representation and a language, `page` writes the public page, `webhook` feeds Telegram's updates
to the running bot, `access` keeps the access log free of people's data, `app` puts them
together (`build_http_app`) and `server` runs it under uvicorn (`python -m bot serve`).
"""
