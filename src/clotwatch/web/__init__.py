"""Server-rendered pages: Jinja2 templates, htmx as an enhancement, static files.

Every flow works without JavaScript: questionnaire state travels in the form itself, so
nothing about a person's answers is kept on the server unless they choose to save it.
"""
