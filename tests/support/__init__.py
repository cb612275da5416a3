"""Test infrastructure: stand-ins, proxies and workspaces the tests share."""
