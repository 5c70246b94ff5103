"""What organisations do in the chat and on the command line, as colbot's use cases: their
staff and invitations, posts of opportunities, followers and their news, announcements, and
their numbers. Every privileged use case asks `access.policy.Policy` first and writes the audit
log (`access.audit`) in the same transaction. No Telegram, no web framework."""
