"""Drafting facts from an article's text (French, English) for a person to confirm.

spaCy and dateparser live here, at the edge; the domain only validates what is drafted.
"""
