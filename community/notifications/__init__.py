"""Notifications: replies in followed threads, @mentions, reactions to your posts and moderators' word, in one list."""
