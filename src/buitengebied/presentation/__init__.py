"""Stage 7, presentation: what the fronts show, cut to what each role may see."""
