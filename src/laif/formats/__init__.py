"""The portal's date and time formats per language (``FORMAT_MODULE_PATH``): one format per
language across the portal. French keeps Django's (``15 septembre 2026``, ``15/09/2026 14:30``);
English is written as in Luxembourg and the rest of Europe, day before month and a 24-hour clock
(``15 September 2026``, ``15/09/2026 14:30``), never Django's American defaults
(``Sept. 15, 2026``, ``09/15/2026 2:30 p.m.``)."""
