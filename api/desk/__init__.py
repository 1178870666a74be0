"""The desk: the HTML pages through which journalists write and read a story.

Every form posts to the JSON API's own routes (a small script turns the form into the
JSON body), so a form and an API call are one thing and obey the same rules.
"""
