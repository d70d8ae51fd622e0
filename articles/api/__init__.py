"""API: the read-only JSON API. `views` holds the viewsets (`ArticleViewSet`, `ClubViewSet`,
`PlayerViewSet`, `StoryViewSet`, routed in newsdesk/urls.py), `serializers` the shapes
DESIGN.md promises. May use every room below it (the pages' FilterSets included).
"""
