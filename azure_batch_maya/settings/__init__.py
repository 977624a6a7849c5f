"""The user's and the studio's settings: what persists between sessions, and the studio's rules."""
