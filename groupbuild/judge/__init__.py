"""Rubric judges: the offline rule judges live here; the LLM judge lives in `backends.llm.roles`."""
