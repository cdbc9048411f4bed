"""LLM backends for the four roles: one client per role over any OpenAI-compatible endpoint.

Nothing here touches the network or imports `openai` until a session is built.
"""
