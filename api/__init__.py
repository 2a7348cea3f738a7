"""The aiohttp service: parse, authorise, call, render (SPEC §8)."""
