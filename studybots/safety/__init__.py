"""The always-on safety check: a message about danger to life or health, fire,
violence, self-harm, poisoning or urgent illness is answered with help
contacts before anything else (catalogue/safety/)."""
