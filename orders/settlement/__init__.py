"""Settlement of the shops: the double-entry ledger, commission, period statements and payouts.

ledger.py       accounts, journal entries and their postings (append-only, every entry balances)
commission.py   rates per category (inherited by sub-categories), per shop, poverty-relief counties
settlement.py   the daily run: completed orders past the hold become available, one statement per shop
payouts.py      pending → exported (bank batch CSV) → paid | failed; held while the shop is black-listed
selectors.py    balances and statements, scoped to the caller
"""
