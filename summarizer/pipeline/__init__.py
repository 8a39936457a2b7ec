"""One article's path: input, cleaning, prompt, extraction, repair."""
