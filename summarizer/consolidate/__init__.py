"""Many reports of one operation merged into phases, conflicts and totals."""
