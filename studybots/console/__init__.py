"""The editors' web console at /toimitus/ (issue 14): accounts, sign-in, roles,
the audit log, and the usage report for analysts.

settings.py (the console's settings from the environment), model.py (its SQL
tables), passwords.py (scrypt hashes), accounts.py (accounts, roles, sign-in
and lockout), sessions.py (server-side sessions and their CSRF tokens),
audit.py (the audit log), roles.py (what each role may do), texts.py (every
text of the pages, per language), pages.py (the HTML, every value escaped),
report_page.py (the usage report inside the console), oidc.py (OpenID Connect
sign-in), web.py (the aiohttp application), __main__.py (the commands:
create-admin, serve).
"""
