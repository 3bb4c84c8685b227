"""Kizuna's Discord adapter and command line. Calls ``index``; never the reverse."""
