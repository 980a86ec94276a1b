"""Q&A views: thin. Get the object → check the permission → call the service → redirect.

Every view is wrapped in `directory.access.gate` and checks with the `check_*` of
`qa.permissions`: visitors refused go to the login page, members to a 403 that says why.

Every state change is its own POST-only view. htmx enhances the same forms: the view still
redirects, htmx follows the redirect and swaps the fragment named by `hx-select`, so each
action works identically with JavaScript off.

One module per area: `access` (the helpers they share), `lists` (the question, discussion and
topic lists), `threads` (the thread page and permalinks), `posting`, `drafts`, `attachments`,
`votes`, `follows`, `revisions`, `flags`, `moderation`. Each stays under 300 lines
(`tests/test_architecture.py`).
"""
