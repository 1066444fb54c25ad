"""Conditions of award (conditions de délivrance): the evidence besides the blocks that a
certification requires (English certificate, international mobility, end-of-studies report
and defence, company opinion), entered, validated or refused, and the checklist of what is
still missing."""
