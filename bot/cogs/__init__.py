"""One cog per feature: ask, sources, admin (/reindex) and help. Each ends with setup()."""
