"""Input channels of the bots."""
