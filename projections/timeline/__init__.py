"""The interactive timeline built from the read models: each fact's states along the
reported clock, the figures (timeline, disclosure lag, knowledge over time), the picture
beside them and their words. ``api/timeline`` serves them: routes, templates, page script.
"""
