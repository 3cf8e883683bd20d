"""The question reader: rewrites that apply to questions only, never to indexed text."""
