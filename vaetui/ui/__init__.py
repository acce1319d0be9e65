"""The Textual app: it renders the core's snapshots and turns keys into actions.

Only this package imports Textual. It never parses a log or touches a file itself: each run
is a :class:`vaetui.ui.feed.RunFeed` around a core ``Run`` and its follower.
"""
