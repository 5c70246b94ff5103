"""Understanding messages: intents, entities and language (the embedded interpreter or Rasa)."""
