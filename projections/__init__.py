"""Read models fed by the event log with tracking, and the "as of" questions they answer."""
