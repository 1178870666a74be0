"""The domain of reportedly: facts as claims, actors, stories and the three clocks.

Imports the standard library, pydantic and ``eventsourcing.domain`` only (plus the
``edtf`` parser for occurred dates).
"""
