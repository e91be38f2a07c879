"""Whom to write to at a prospect: addresses found on the domain's own pages, ranked. Issue 14.

`addresses` reads and checks addresses (also lightly obfuscated ones) and asks DNS for their
MX; `pages` reads one page; `ranking` says which candidate comes first and why; `lookup`
fetches a handful of the domain's pages and puts it all together.
"""
