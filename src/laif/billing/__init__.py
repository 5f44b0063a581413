"""Billing: prices, monthly statements, credit notes and their PDFs, from the usage ledger."""
