"""A local, faithful stand-in for the OpenAI Realtime API (GA interface)."""
