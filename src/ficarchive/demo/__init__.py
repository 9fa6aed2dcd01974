"""Demo data for `ficarchive demo`: an invented, realistic-looking archive.

- `prose`: a pure, seeded generator of story text, titles, summaries and notes (no Django).
- `shapes`: the invented fandoms and AO3-shaped distributions that plan each work (no Django).
- `build`: the Django part, which turns plans into users, pseuds and works through the actions.

Every word of generated text comes from the word lists and templates in these modules.
"""
