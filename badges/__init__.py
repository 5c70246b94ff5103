"""Open Badges as colbot's use cases: organisations' badges awarded, claimed, reviewed, revoked
and published; a learner's own badges. Over the pure engine (`openbadges`) and the store; no
Telegram, no web framework: the fronts call `BadgeService` (badges/service.py).

- `issuers`: who issues a badge (an organisation with a profile of its own, or the deployment's
  City of Learning on its behalf) and the engine's facts from the store's rows.
- privileged use cases ask `access.policy.Policy` (Capability.AWARD), the one check of every
  privileged action.
- `awarding`: awards (signed once, a random status list place, delivered via the outbox),
  revocation, expiry.
- `claims`: claim links and codes (hashed, rate-limited), participants' lists, evidence and
  its review.
- `wallet`: a learner's badges, hiding, a public name, giving one up, their e-mail address.
- `delivery`: an award as the chat gives it (the baked PNG, the addresses to verify, download,
  share and add it to LinkedIn) and the learner's own exports.
- `publishing`: `BadgePublisher`, what the HTTP service serves (`Published`, `PublicBadgePage`).
- `artwork`, `secret`, `context`, `problems`: images, the claim codes' secret, the shared
  context and the refusals.
"""
