"""What a person reads: markdown, the review page, notebook display, tables, timelines."""
